using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// Counts iterations and tells <see cref="OptimizationOptions.Progress"/> about each one. MathNet's solvers have no
/// per-iteration hook, so the adapters call <see cref="Accepted"/> where an iteration becomes visible from outside:
/// when a line search starts from a new iterate (minimizers), or when the Jacobian is evaluated at a new point
/// (Levenberg-Marquardt evaluates it once per accepted step). <see cref="Finish"/> reports the last iterate, which no
/// later iteration starts from. The tests check that the count of reports equals the solver's iteration count.
/// </summary>
internal sealed class IterationTracker(IProgress<OptimizationProgress>? progress, CallerFaults faults, Func<int> functionEvaluations, Func<int> derivativeEvaluations)
{
    private double[]? _last;

    /// <summary>Iterations seen so far.</summary>
    public int Count { get; private set; }

    /// <summary>The solver moved to <paramref name="x"/> (or started there, the first time, which is not an iteration).</summary>
    public void Accepted(double[] x, double value, double gradientNorm)
    {
        if (_last is null)
        {
            _last = (double[])x.Clone();
            return;
        }
        if (_last.AsSpan().SequenceEqual(x)) return;
        _last = (double[])x.Clone();
        Count++;
        if (progress is null) return;
        var snapshot = new OptimizationProgress(Count, (double[])x.Clone(), value, gradientNorm, functionEvaluations(), derivativeEvaluations());
        try
        {
            progress.Report(snapshot);
        }
        catch (Exception e) when (faults.Saw(e))
        {
            throw;
        }
    }

    /// <summary>Reports the final iterate if it was not reported yet.</summary>
    public void Finish(double[] x, double value, double gradientNorm) => Accepted(x, value, gradientNorm);
}
