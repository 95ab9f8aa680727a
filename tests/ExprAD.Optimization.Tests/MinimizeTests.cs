using System.Linq.Expressions;

namespace ExprAD.Optimization.Tests;

public class MinimizeTests
{
    private static readonly Expression<Func<double[], double>> Rosenbrock =
        x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);

    [Theory]
    [InlineData(MinimizationMethod.LBfgs)]
    [InlineData(MinimizationMethod.Bfgs)]
    [InlineData(MinimizationMethod.Newton)]
    public void Every_method_finds_the_Rosenbrock_minimum(MinimizationMethod method)
    {
        var result = Optimize.Minimize(Rosenbrock, [-1.2, 1], new OptimizationOptions { Method = method });
        Assert.True(result.Converged);
        Assert.Equal(1, result.X[0], 1e-6);
        Assert.Equal(1, result.X[1], 1e-6);
        Assert.True(result.Value < 1e-12);
    }

    [Fact]
    public void The_two_argument_overload_uses_the_defaults()
    {
        var result = Optimize.Minimize(x => (x[0] - 3) * (x[0] - 3) + 2 * (x[1] + 1) * (x[1] + 1), [0, 0]);
        Assert.True(result.Converged);
        Assert.Equal(3, result.X[0], 1e-8);
        Assert.Equal(-1, result.X[1], 1e-8);
        Assert.True(result.Iterations > 0);
    }

    [Fact]
    public void Newton_uses_the_exact_Hessian_and_converges_in_few_iterations()
    {
        // A smooth strictly convex function with minimum at (1, 2): Newton converges quadratically.
        Expression<Func<double[], double>> f = x => Math.Exp(x[0] - 1) - x[0] + (x[1] - 2) * (x[1] - 2) * (1 + 0.1 * (x[1] - 2) * (x[1] - 2));
        var report = Optimize.MinimizeDetailed(f, [3, -1], new OptimizationOptions { Method = MinimizationMethod.Newton });
        Assert.True(report.Converged, report.StopReason);
        Assert.Equal(1, report.X[0], 1e-8);
        Assert.Equal(2, report.X[1], 1e-8);
        Assert.True(report.HessianEvaluations > 0);
        Assert.True(report.Iterations <= 20, $"{report.Iterations} iterations");
    }

    [Fact]
    public void Finite_differences_are_an_option_and_reach_the_same_point()
    {
        var options = new OptimizationOptions { Derivatives = DerivativeSource.CentralDifferences };
        var report = Optimize.MinimizeDetailed(Rosenbrock, [-1.2, 1], options);
        Assert.Equal(1, report.X[0], 1e-4);
        Assert.True(report.FunctionEvaluations == 0 && report.DerivativeEvaluations > 0);
    }

    [Fact]
    public void The_starting_point_is_not_modified()
    {
        double[] x0 = [-1.2, 1];
        Optimize.Minimize(Rosenbrock, x0);
        Assert.Equal([-1.2, 1], x0);
    }

    [Fact]
    public void Running_out_of_iterations_is_not_converged_and_returns_the_best_point()
    {
        var report = Optimize.MinimizeDetailed(Rosenbrock, [-1.2, 1], new OptimizationOptions { MaxIterations = 3 });
        Assert.False(report.Converged);
        Assert.True(report.Value < 24.2, $"value {report.Value}");  // f(x0) = 24.2
        Assert.Equal(report.Value, AD.Compile(Rosenbrock)(report.X));
    }

    public static TheoryData<string> Methods => new() { "LBfgs", "Bfgs", "Newton", "bounded" };

    private static OptimizationOptions With(string method, int maxIterations) => method == "bounded"
        ? new OptimizationOptions { MaxIterations = maxIterations, LowerBounds = [-5, -5], UpperBounds = [5, 5] }
        : new OptimizationOptions { MaxIterations = maxIterations, Method = Enum.Parse<MinimizationMethod>(method) };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_method_stopped_by_its_limit_says_so_and_reports_that_many_iterations(string method)
    {
        // MathNet's L-BFGS used to name the convergence test it was checking ("AbsoluteGradient") when it ran out.
        var report = Optimize.MinimizeDetailed(Rosenbrock, [-1.2, 1], With(method, 5));
        Assert.False(report.Converged);
        Assert.Equal(5, report.Iterations);
        Assert.Equal("iteration limit reached", report.StopReason);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_limit_of_zero_iterations_returns_the_starting_point(string method)
    {
        // MathNet took one step with a limit of 0.
        var report = Optimize.MinimizeDetailed(Rosenbrock, [-1.2, 1], With(method, 0));
        Assert.Equal([-1.2, 1], report.X);
        Assert.Equal(24.2, report.Value, 12);
        Assert.Equal(0, report.Iterations);
        Assert.False(report.Converged);
        Assert.Equal("iteration limit reached", report.StopReason);
        // At a minimum, zero iterations are enough.
        Assert.True(Optimize.MinimizeDetailed(Rosenbrock, [1.0, 1], With(method, 0)).Converged, method);
    }
}

public class FixedApiTests
{
    [Fact]
    public void The_fixed_result_record_has_exactly_the_fixed_shape()
    {
        var constructor = Assert.Single(typeof(OptimizationResult).GetConstructors(), c => c.GetParameters().Length == 4);
        Assert.Equal(["X", "Value", "Iterations", "Converged"], constructor.GetParameters().Select(p => p.Name));
        Assert.Equal([typeof(double[]), typeof(double), typeof(int), typeof(bool)], constructor.GetParameters().Select(p => p.ParameterType));
        Assert.True(typeof(OptimizationResult).IsSealed);
        Assert.NotNull(typeof(Optimize).GetMethod("Minimize", [typeof(System.Linq.Expressions.Expression<Func<double[], double>>), typeof(double[])]));
        Assert.NotNull(typeof(Optimize).GetMethod("LeastSquares", [typeof(System.Linq.Expressions.Expression<Func<double[], double[]>>), typeof(double[])]));
    }
}
