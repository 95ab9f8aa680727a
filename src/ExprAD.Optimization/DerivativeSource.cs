namespace ExprAD.Optimization;

/// <summary>Where the solvers get derivatives from.</summary>
public enum DerivativeSource
{
    /// <summary>Exact derivatives by ExprAD (reverse mode gradients, Jacobians, Hessians). The default.</summary>
    Automatic,

    /// <summary>
    /// Central finite differences of the compiled function (2n evaluations per gradient or Jacobian), for
    /// comparison with <see cref="Automatic"/>: the MGH table in the README is run both ways.
    /// </summary>
    CentralDifferences,
}
