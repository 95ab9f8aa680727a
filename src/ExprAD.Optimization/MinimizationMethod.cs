namespace ExprAD.Optimization;

/// <summary>The algorithm <see cref="Optimize.Minimize(System.Linq.Expressions.Expression{Func{double[], double}}, double[], OptimizationOptions)"/> uses.</summary>
public enum MinimizationMethod
{
    /// <summary>Limited-memory BFGS: gradients only, memory linear in n. The default.</summary>
    LBfgs,

    /// <summary>BFGS with a dense inverse-Hessian approximation: gradients only, n-by-n memory.</summary>
    Bfgs,

    /// <summary>Newton's method with the exact AD Hessian, safeguarded by a line search.</summary>
    Newton,
}
