namespace ExprAD.Optimization;

/// <summary>A snapshot reported to <see cref="OptimizationOptions.Progress"/> after each iteration.</summary>
/// <param name="Iteration">1 for the first completed iteration.</param>
/// <param name="X">A copy of the current iterate.</param>
/// <param name="Value">The objective there (least squares: 0.5 * sum of squares).</param>
/// <param name="GradientNorm">The infinity norm of the (projected, when bounded) gradient there; NaN where the solver did not compute it.</param>
/// <param name="FunctionEvaluations">Objective evaluations so far.</param>
/// <param name="DerivativeEvaluations">Gradient or Jacobian evaluations so far.</param>
public sealed record OptimizationProgress(
    int Iteration, double[] X, double Value, double GradientNorm, int FunctionEvaluations, int DerivativeEvaluations);
