using System.Linq.Expressions;

namespace ExprAD.Optimization.Tests;

/// <summary>Bad starting points fail fast; objectives that turn NaN or infinite never throw from inside a solver.</summary>
public class BadInputTests
{
    private static readonly Expression<Func<double[], double>> Quadratic = x => x[0] * x[0] + x[1] * x[1];
    private static readonly Expression<Func<double[], double[]>> Linear = x => new[] { x[0] - 1, x[1] - 2 };

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_starting_point_is_an_ArgumentException(double bad)
    {
        var e = Assert.Throws<ArgumentException>(() => Optimize.Minimize(Quadratic, [0, bad]));
        Assert.Equal("x0", e.ParamName);
        Assert.Contains("x0[1]", e.Message);
        Assert.Throws<ArgumentException>(() => Optimize.LeastSquares(Linear, [bad, 0]));
        foreach (var method in Enum.GetValues<MinimizationMethod>())
            Assert.Throws<ArgumentException>(() => Optimize.Minimize(Quadratic, [bad, 0], new OptimizationOptions { Method = method }));
    }

    [Fact]
    public void A_starting_point_shorter_than_the_function_reads_is_an_ArgumentException_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Optimize.Minimize(Quadratic, [1.0]));
        Assert.Equal("x0", e.ParamName);
        Assert.Contains("x[1]", e.Message);
        Assert.Contains("x0 has 1 entries", e.Message);
        Assert.Throws<ArgumentException>(() => Optimize.Minimize(Quadratic, [1.0], new OptimizationOptions { Method = MinimizationMethod.Newton }));
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => Optimize.LeastSquares(Linear, [1.0])).Message);
        // Computed indices are not checked ahead (the function may read within x.Length): a loop over x is fine with any length.
        Assert.True(Optimize.Minimize(x => x.Sum(v => (v - 1) * (v - 1)), [0.0]).Converged);
    }

    [Fact]
    public void Null_arguments_are_ArgumentNullExceptions()
    {
        Assert.Throws<ArgumentNullException>(() => Optimize.Minimize(null!, [0]));
        Assert.Throws<ArgumentNullException>(() => Optimize.Minimize(Quadratic, null!));
        Assert.Throws<ArgumentNullException>(() => Optimize.LeastSquares(null!, [0]));
        Assert.Throws<ArgumentNullException>(() => Optimize.LeastSquares(Linear, null!));
        Assert.Throws<ArgumentNullException>(() => Optimize.Minimize(Quadratic, [0, 0], null!));
        Assert.Throws<ArgumentException>(() => Optimize.Minimize(Quadratic, []));
    }

    [Theory]
    [InlineData(MinimizationMethod.LBfgs)]
    [InlineData(MinimizationMethod.Bfgs)]
    [InlineData(MinimizationMethod.Newton)]
    public void A_NaN_region_beyond_the_first_step_shrinks_the_step_and_recovers(MinimizationMethod method)
    {
        // log is NaN for x < 0; the first steps from x0 = 5 overshoot there. Minimum at x = 1/sqrt(2).
        Expression<Func<double[], double>> f = x => x[0] * x[0] - Math.Log(x[0]);
        var result = Optimize.Minimize(f, [5], new OptimizationOptions { Method = method });
        Assert.True(result.Converged);
        Assert.Equal(1 / Math.Sqrt(2), result.X[0], 1e-6);
    }

    [Fact]
    public void An_objective_that_is_NaN_past_a_wall_returns_the_best_point_never_an_exception()
    {
        // Decreasing towards x = 1 and NaN beyond: there is no minimum, only a best point approached from below.
        Expression<Func<double[], double>> f = x => x[0] < 1 ? -x[0] : double.NaN;
        foreach (var method in Enum.GetValues<MinimizationMethod>().Where(m => m != MinimizationMethod.Newton))
        {
            var report = Optimize.MinimizeDetailed(f, [0], new OptimizationOptions { Method = method });
            Assert.True(double.IsFinite(report.Value), report.StopReason);
            Assert.True(report.X[0] < 1 && report.X[0] >= 0, $"{method}: x = {report.X[0]}");
            Assert.Equal(-report.X[0], report.Value);
        }
    }

    [Fact]
    public void An_objective_that_is_NaN_at_the_start_is_not_converged_and_returns_the_start()
    {
        Expression<Func<double[], double>> f = x => Math.Sqrt(x[0]) + x[1] * x[1];
        var result = Optimize.Minimize(f, [-1, 3]);
        Assert.False(result.Converged);
        Assert.Equal([-1, 3], result.X);
        var ls = Optimize.LeastSquares(x => new[] { Math.Sqrt(x[0]), x[1] }, [-1, 3]);
        Assert.False(ls.Converged);
        Assert.Equal([-1, 3], ls.X);
    }

    [Fact]
    public void Least_squares_residuals_that_turn_NaN_reject_the_step_and_recover()
    {
        // r = log(x) - 1 is NaN for x < 0; Levenberg-Marquardt's first steps from x0 = 0.05 can land there.
        var result = Optimize.LeastSquares(x => new[] { Math.Log(x[0]) - 1, 0.1 * (x[0] - Math.E) }, [0.05]);
        Assert.True(result.Converged);
        Assert.Equal(Math.E, result.X[0], 1e-6);
    }

    [Fact]
    public void An_infinite_objective_value_is_treated_like_NaN()
    {
        Expression<Func<double[], double>> f = x => x[0] > 2 ? double.PositiveInfinity : (x[0] - 1) * (x[0] - 1);
        var result = Optimize.Minimize(f, [-20]);
        Assert.Equal(1, result.X[0], 1e-6);
    }
}

public class NewtonOptionTests
{
    [Fact]
    public void Newton_with_finite_differences_is_refused_up_front()
    {
        var options = new OptimizationOptions { Method = MinimizationMethod.Newton, Derivatives = DerivativeSource.CentralDifferences };
        var e = Assert.Throws<ArgumentException>(() => Optimize.Minimize(x => x[0] * x[0], [1], options));
        Assert.Contains("Hessian", e.Message);
    }

    [Fact]
    public void Newton_on_an_indefinite_start_still_descends()
    {
        // At x0 = (0.1, 0.1) the Hessian of x^4 - x^2 + y^2 is indefinite; a raw Newton step would head for the saddle at 0.
        var result = Optimize.Minimize(x => x[0] * x[0] * x[0] * x[0] - x[0] * x[0] + x[1] * x[1], [0.1, 0.1],
            new OptimizationOptions { Method = MinimizationMethod.Newton });
        Assert.True(result.Converged);
        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(result.X[0]), 1e-8);
        Assert.Equal(-0.25, result.Value, 1e-12);
    }
}

public class OverflowInLineSearchTests
{
    [Theory]
    [InlineData(MinimizationMethod.LBfgs)]
    [InlineData(MinimizationMethod.Bfgs)]
    [InlineData(MinimizationMethod.Newton)]
    public void Jennrich_Sampson_overflowing_exp_in_the_first_line_search_still_reaches_the_minimum(MinimizationMethod method)
    {
        // Regression: MathNet's line search threw "Line search failed" when a trial step made exp(10 x) overflow;
        // BFGS stopped after one iteration at f = 3531.
        var p = Mgh.MghProblems.All.Single(q => q.Number == 6);
        var run = Mgh.MghRun.Minimize(p, DerivativeSource.Automatic, method);
        Assert.True(run.Reached, $"f = {run.SumOfSquares}");
        Assert.True(run.Report.Converged, run.Report.StopReason);
    }
}
