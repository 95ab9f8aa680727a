namespace ExprAD.Diagnostics;

/// <summary>Argument checks called at the top of every compiled delegate (see API.md's error table).</summary>
internal static class ArgumentChecks
{
    public static void ForFunction(double[]? x)
    {
        ArgumentNullException.ThrowIfNull(x);
    }

    public static void ForGradient(double[]? x, double[]? gradient)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Length != x.Length)
            throw new ArgumentException($"gradient.Length ({gradient.Length}) must equal x.Length ({x.Length}).", nameof(gradient));
        if (ReferenceEquals(x, gradient))
            throw new ArgumentException("x and gradient must be different arrays: the gradient is written while x is still being read.", nameof(gradient));
    }
}
