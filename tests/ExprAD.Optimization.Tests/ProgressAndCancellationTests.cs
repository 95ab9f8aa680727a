using System.Linq.Expressions;

namespace ExprAD.Optimization.Tests;

public class ProgressAndCancellationTests
{
    private static readonly Expression<Func<double[], double>> Rosenbrock =
        x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);

    private static readonly Expression<Func<double[], double[]>> RosenbrockResiduals = x => new[] { 10 * (x[1] - x[0] * x[0]), 1 - x[0] };

    [Theory]
    [InlineData(MinimizationMethod.LBfgs)]
    [InlineData(MinimizationMethod.Bfgs)]
    [InlineData(MinimizationMethod.Newton)]
    public void Minimize_reports_once_per_iteration(MinimizationMethod method)
    {
        var progress = new RecordingProgress();
        var result = Optimize.Minimize(Rosenbrock, [-1.2, 1], new OptimizationOptions { Method = method, Progress = progress });
        Assert.Equal(result.Iterations, progress.Reports.Count);
        Assert.Equal(Enumerable.Range(1, result.Iterations), progress.Reports.Select(p => p.Iteration));
        Assert.Equal(result.X, progress.Reports[^1].X);
        Assert.Equal(result.Value, progress.Reports[^1].Value);
    }

    [Fact]
    public void LeastSquares_reports_once_per_iteration()
    {
        var progress = new RecordingProgress();
        var result = Optimize.LeastSquares(RosenbrockResiduals, [-1.2, 1], new OptimizationOptions { Progress = progress });
        Assert.Equal(result.Iterations, progress.Reports.Count);
        Assert.Equal(result.X, progress.Reports[^1].X);
        Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(p => p.Second.Value <= p.First.Value), "LM only accepts descent steps");
    }

    [Fact]
    public void A_token_cancelled_before_the_start_throws_OperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var options = new OptimizationOptions { CancellationToken = cts.Token };
        Assert.ThrowsAny<OperationCanceledException>(() => Optimize.Minimize(Rosenbrock, [-1.2, 1], options));
        Assert.ThrowsAny<OperationCanceledException>(() => Optimize.LeastSquares(RosenbrockResiduals, [-1.2, 1], options));
    }

    [Theory]
    [InlineData(MinimizationMethod.LBfgs)]
    [InlineData(MinimizationMethod.Bfgs)]
    [InlineData(MinimizationMethod.Newton)]
    public void Cancelling_during_the_run_stops_it_with_OperationCanceledException(MinimizationMethod method)
    {
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(p => { if (p.Iteration == 3) cts.Cancel(); });
        var options = new OptimizationOptions { Method = method, Progress = progress, CancellationToken = cts.Token };
        var e = Assert.ThrowsAny<OperationCanceledException>(() => Optimize.Minimize(Rosenbrock, [-1.2, 1], options));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(3, progress.Reports.Count);
    }

    [Fact]
    public void Cancelling_least_squares_during_the_run_throws()
    {
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(p => { if (p.Iteration == 2) cts.Cancel(); });
        var options = new OptimizationOptions { Progress = progress, CancellationToken = cts.Token };
        Assert.ThrowsAny<OperationCanceledException>(() => Optimize.LeastSquares(RosenbrockResiduals, [-1.2, 1], options));
        Assert.Equal(2, progress.Reports.Count);
    }
}

/// <summary>What the caller's own code throws is the caller's: it propagates unchanged, never read as a solver failure.</summary>
public class CallerExceptionTests
{
    private sealed class Boom : Exception;

    private static readonly Expression<Func<double[], double>> Rosenbrock =
        x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);

    [Theory]
    [InlineData(MinimizationMethod.LBfgs, false)]
    [InlineData(MinimizationMethod.Bfgs, false)]
    [InlineData(MinimizationMethod.Newton, false)]
    [InlineData(MinimizationMethod.LBfgs, true)]
    public void An_exception_from_a_progress_handler_propagates_unchanged(MinimizationMethod method, bool bounded)
    {
        var progress = new RecordingProgress(p => { if (p.Iteration == 2) throw new Boom(); });
        var options = new OptimizationOptions
        {
            Method = method, Progress = progress,
            LowerBounds = bounded ? [-5, -5] : null, UpperBounds = bounded ? [5, 5] : null,
        };
        Assert.Throws<Boom>(() => Optimize.Minimize(Rosenbrock, [-1.2, 1], options));
    }

    [Fact]
    public void An_exception_from_a_least_squares_progress_handler_propagates_unchanged()
    {
        var progress = new RecordingProgress(p => { if (p.Iteration == 2) throw new Boom(); });
        Assert.Throws<Boom>(() => Optimize.LeastSquares(x => new[] { 10 * (x[1] - x[0] * x[0]), 1 - x[0] }, [-1.2, 1],
            new OptimizationOptions { Progress = progress }));
    }

    [Fact]
    public void An_exception_thrown_by_the_objective_itself_propagates_unchanged()
    {
        // x[x.Length] is out of range once the solver asks for it: here, at once. A user bug, not a failed line search.
        // (A constant index beyond x0 is refused before solving: BadInputTests.)
        Expression<Func<double[], double>> f = x => x[0] * x[0] + (x[0] > 0.5 ? x[x.Length] : 0);
        Assert.Throws<IndexOutOfRangeException>(() => Optimize.Minimize(f, [3]));
    }
}
