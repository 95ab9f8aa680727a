namespace ExprAD.Optimization;

/// <summary>
/// Settings for <see cref="Optimize"/>. Every property has a default, so <c>new OptimizationOptions()</c> is what
/// the two-argument overloads use.
/// </summary>
public sealed record OptimizationOptions
{
    /// <summary>
    /// Gradient test. Newton and the bounded solver stop when the infinity norm of the (projected) gradient is at most
    /// this times max(1, |f|); MathNet's L-BFGS, BFGS and Levenberg-Marquardt apply their own absolute and relative
    /// gradient tests with it. Default 1e-10.
    /// </summary>
    public double GradientTolerance { get; init; } = 1e-10;

    /// <summary>The gradient test every solver applies: the gradient's norm within <see cref="GradientTolerance"/>, relative to max(1, |f|).</summary>
    internal bool GradientIsSmall(double gradientNorm, double value) => gradientNorm <= GradientTolerance * Math.Max(1, Math.Abs(value));

    /// <summary>
    /// Step test: Newton and the bounded solver stop when a step changes no coordinate by more than this times
    /// max(1, |x_i|); MathNet's solvers use it as their parameter (step) tolerance. Default 1e-15: stop only when steps
    /// stall at rounding level (with 1e-12, MathNet's Levenberg-Marquardt stopped on MGH's Brown badly scaled at
    /// f = 1.5e-4, far from its minimum 0).
    /// </summary>
    public double StepTolerance { get; init; } = 1e-15;

    /// <summary>
    /// Decrease test: Newton and the bounded solver stop when an iteration lowers f by no more than this times
    /// max(1, |f|); MathNet's solvers use it as their function-progress tolerance. Default 1e-15.
    /// </summary>
    public double FunctionTolerance { get; init; } = 1e-15;

    /// <summary>The most iterations taken before giving up with <c>Converged = false</c>. Default 2000.</summary>
    public int MaxIterations { get; init; } = 2000;

    /// <summary>The minimizer (ignored by least squares, which always uses Levenberg-Marquardt). Default L-BFGS.</summary>
    public MinimizationMethod Method { get; init; } = MinimizationMethod.LBfgs;

    /// <summary>L-BFGS memory: how many recent steps shape the Hessian approximation. Default 10.</summary>
    public int LBfgsMemory { get; init; } = 10;

    /// <summary>
    /// Lower bounds for <see cref="Optimize.Minimize(System.Linq.Expressions.Expression{Func{double[], double}}, double[], OptimizationOptions)"/>
    /// (box constraints, projected L-BFGS-B style); null, or <see cref="double.NegativeInfinity"/> entries, for none.
    /// </summary>
    public double[]? LowerBounds { get; init; }

    /// <summary>Upper bounds, as <see cref="LowerBounds"/>; null or <see cref="double.PositiveInfinity"/> entries for none.</summary>
    public double[]? UpperBounds { get; init; }

    /// <summary>Told after every iteration (synchronously, on the solver's thread when the sink is synchronous).</summary>
    public IProgress<OptimizationProgress>? Progress { get; init; }

    /// <summary>
    /// Checked before every evaluation; when cancelled the solver throws <see cref="OperationCanceledException"/>
    /// (a cancelled run has no result to trust, so none is returned).
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Exact AD derivatives (default) or central finite differences, for comparison.</summary>
    public DerivativeSource Derivatives { get; init; } = DerivativeSource.Automatic;
}
