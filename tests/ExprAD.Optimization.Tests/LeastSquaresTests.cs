using System.Linq.Expressions;

namespace ExprAD.Optimization.Tests;

public class LeastSquaresTests
{
    [Fact]
    public void Value_is_half_the_sum_of_squares()
    {
        // Inconsistent linear system: the least-squares solution of x = 1, x = 3 is 2, residuals (1, -1).
        var result = Optimize.LeastSquares(x => new[] { x[0] - 1, x[0] - 3 }, [10]);
        Assert.True(result.Converged);
        Assert.Equal(2, result.X[0], 1e-6);
        Assert.Equal(1.0, result.Value, 1e-8);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Running_out_of_iterations_says_so_in_the_minimizers_words(int limit)
    {
        // Levenberg-Marquardt said ExceedIterations, or ManuallyStopped for a limit of 0.
        var report = Optimize.LeastSquaresDetailed(x => new[] { 10 * (x[1] - x[0] * x[0]), 1 - x[0] }, [-1.2, 1], new OptimizationOptions { MaxIterations = limit });
        Assert.False(report.Converged);
        Assert.Equal(limit, report.Iterations);
        Assert.Equal("iteration limit reached", report.StopReason);
        if (limit == 0) Assert.Equal([-1.2, 1], report.X);
    }

    [Fact]
    public void Rosenbrock_as_residuals()
    {
        var result = Optimize.LeastSquares(x => new[] { 10 * (x[1] - x[0] * x[0]), 1 - x[0] }, [-1.2, 1]);
        Assert.True(result.Converged);
        Assert.Equal(1, result.X[0], 1e-6);
        Assert.Equal(1, result.X[1], 1e-6);
    }

    [Fact]
    public void Residuals_over_captured_data_written_with_LINQ_fit()
    {
        // r_i = x0 t_i - y_i, as Select(...).ToArray() (it was refused as not an array initializer): x0 = sum t y / sum t^2.
        double[] t = [1, 2, 3];
        double[] y = [1.1, 1.9, 3.2];
        Expression<Func<double[], double[]>> r = x => t.Select((ti, i) => x[0] * ti - y[i]).ToArray();
        var result = Optimize.LeastSquares(r, [0]);
        Assert.True(result.Converged);
        Assert.Equal((1.1 + 2 * 1.9 + 3 * 3.2) / 14, result.X[0], 1e-9);
    }
}
