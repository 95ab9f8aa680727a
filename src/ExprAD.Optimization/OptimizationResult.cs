namespace ExprAD.Optimization;

/// <summary>The outcome of <see cref="Optimize.Minimize(System.Linq.Expressions.Expression{Func{double[], double}}, double[])"/> or <see cref="Optimize.LeastSquares(System.Linq.Expressions.Expression{Func{double[], double[]}}, double[])"/>.</summary>
/// <param name="X">The point reached (the best point seen when the solver did not converge).</param>
/// <param name="Value">The objective at <paramref name="X"/>; for least squares, 0.5 * sum of squared residuals.</param>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="Converged">Whether a convergence test was met.</param>
public sealed record OptimizationResult(double[] X, double Value, int Iterations, bool Converged);
