namespace ExprAD.Optimization;

/// <summary>
/// The result of an optimization with the bookkeeping that <see cref="OptimizationResult"/> (whose shape is fixed)
/// has no room for: evaluation counts and why the solver stopped.
/// </summary>
/// <param name="X">The point reached (the best point seen when the solver did not converge).</param>
/// <param name="Value">The objective at <paramref name="X"/>; for least squares, 0.5 * sum of squared residuals.</param>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="Converged">Whether a convergence test was met.</param>
/// <param name="FunctionEvaluations">Evaluations of the objective (or of the residual vector) alone.</param>
/// <param name="DerivativeEvaluations">Evaluations of the gradient (or Jacobian), each of which also yields the value.</param>
/// <param name="HessianEvaluations">Evaluations of the Hessian (Newton only).</param>
/// <param name="StopReason">Why the solver stopped, in words; <see cref="IterationLimitReached"/> for every solver that ran out of iterations.</param>
public sealed record OptimizationReport(
    double[] X, double Value, int Iterations, bool Converged,
    int FunctionEvaluations, int DerivativeEvaluations, int HessianEvaluations, string StopReason)
{
    /// <summary>The <see cref="StopReason"/> of every solver stopped by <see cref="OptimizationOptions.MaxIterations"/>.</summary>
    public const string IterationLimitReached = "iteration limit reached";

    /// <summary>The same outcome in the fixed result shape.</summary>
    public OptimizationResult ToResult() => new(X, Value, Iterations, Converged);
}
