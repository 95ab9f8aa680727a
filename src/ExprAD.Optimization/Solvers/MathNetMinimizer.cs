using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// Runs MathNet's L-BFGS or BFGS (unbounded problems; bounds go to <see cref="ProjectedLBfgs"/>, Newton to
/// <see cref="ModifiedNewton"/>). MathNet signals trouble by exceptions (a line search that finds no
/// acceptable step, the iteration limit, a non-finite value at the start); each becomes an unconverged report at
/// the best point seen, so callers never get an exception from deep inside a line search.
/// </summary>
internal static class MathNetMinimizer
{
    public static OptimizationReport Run(ScalarObjective objective, double[] x0, OptimizationOptions options)
    {
        var tracker = new IterationTracker(options.Progress, objective.Faults, () => objective.FunctionEvaluations, () => objective.DerivativeEvaluations);
        var f = new MathNetObjective(objective, tracker);
        // MathNet takes one step even with a limit of 0 iterations: report x0 as the other solvers do.
        if (options.MaxIterations == 0) return AtStart(objective, x0, options);
        MinimizationResult result;
        try
        {
            result = Solve(f, x0, options);
        }
        catch (Exception e)
        {
            // MathNet wraps what the objective throws ("Line search failed"): what the caller's code threw, a
            // cancellation included, is the caller's, not a solver failure.
            objective.Faults.RethrowIfAny();
            return e is MaximumIterationsException
                ? Unconverged(objective, x0, tracker, OptimizationReport.IterationLimitReached)
                : Unconverged(objective, x0, tracker, e.GetType().Name + ": " + e.Message);
        }
        // Stuck where every value was rejected (x0 itself not finite): MathNet saw a zero gradient and stopped.
        if (!double.IsFinite(objective.BestValue))
            return Unconverged(objective, x0, tracker, "ArithmeticException: the objective is not finite at x0");
        var x = result.MinimizingPoint.ToArray();
        var value = result.FunctionInfoAtMinimum.Value;
        if (value >= MathNetObjective.RejectedValue) return Unconverged(objective, x0, tracker, "ArithmeticException: stopped at a non-finite point");
        var gradientNorm = MathNetObjective.InfinityNorm(result.FunctionInfoAtMinimum.Gradient.ToArray());
        tracker.Finish(x, value, gradientNorm);
        // MathNet's own iteration counts differ by solver (BFGS leaves its first step out) and its L-BFGS can name a
        // convergence reason after running past the limit: the tracker's count of steps taken is the one reported.
        var converged = Converged(result.ReasonForExit) && double.IsFinite(value)
            && (tracker.Count < options.MaxIterations || options.GradientIsSmall(gradientNorm, value));
        // MathNet's L-BFGS names the convergence test it was checking when it ran past the limit ("AbsoluteGradient").
        var reason = !converged && tracker.Count >= options.MaxIterations ? OptimizationReport.IterationLimitReached : result.ReasonForExit.ToString();
        return new OptimizationReport(x, value, tracker.Count, converged,
            objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations, reason);
    }

    private static OptimizationReport AtStart(ScalarObjective objective, double[] x0, OptimizationOptions options)
    {
        var gradient = new double[x0.Length];
        var value = objective.ValueAndGradient((double[])x0.Clone(), gradient);
        var converged = double.IsFinite(value) && options.GradientIsSmall(MathNetObjective.InfinityNorm(gradient), value);
        return new OptimizationReport((double[])x0.Clone(), value, 0, converged, objective.FunctionEvaluations, objective.DerivativeEvaluations,
            objective.HessianEvaluations, converged ? "gradient below tolerance" : OptimizationReport.IterationLimitReached);
    }

    private static MinimizationResult Solve(MathNetObjective f, double[] x0, OptimizationOptions o)
    {
        var start = Vector<double>.Build.DenseOfArray(x0);
        return o.Method switch
        {
            // MathNet's BFGS stops one step short of its limit (its first step is not counted as an iteration): ask for one more.
            MinimizationMethod.Bfgs => new BfgsMinimizer(o.GradientTolerance, o.StepTolerance, o.FunctionTolerance,
                o.MaxIterations == int.MaxValue ? o.MaxIterations : o.MaxIterations + 1).FindMinimum(f, start),
            _ => new LimitedMemoryBfgsMinimizer(o.GradientTolerance, o.StepTolerance, o.FunctionTolerance, o.LBfgsMemory, o.MaxIterations).FindMinimum(f, start),
        };
    }

    /// <summary>MathNet reports these when a convergence test was met; the others mean it ran out or stopped.</summary>
    internal static bool Converged(ExitCondition reason)
        => reason is not (ExitCondition.None or ExitCondition.ExceedIterations or ExitCondition.InvalidValues or ExitCondition.ManuallyStopped);

    private static OptimizationReport Unconverged(ScalarObjective objective, double[] x0, IterationTracker tracker, string reason)
    {
        var found = double.IsFinite(objective.BestValue);
        return new OptimizationReport(found ? (double[])objective.BestX.Clone() : (double[])x0.Clone(), objective.BestValue, tracker.Count, false,
            objective.FunctionEvaluations, objective.DerivativeEvaluations, objective.HessianEvaluations,
            (found ? "" : "no finite value found; ") + reason);
    }
}
