namespace ExprAD.Diagnostics;

/// <summary>Argument checks called at the top of every compiled delegate (see API.md's error table).</summary>
internal static class ArgumentChecks
{
    public static void ForFunction(double[]? x)
    {
        ArgumentNullException.ThrowIfNull(x);
    }

    public static void ForDirection(double[]? x, double[]? direction)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(direction);
        if (direction.Length != x.Length)
            throw new ArgumentException($"direction.Length ({direction.Length}) must equal x.Length ({x.Length}).", nameof(direction));
    }

    /// <summary>The batch of <paramref name="width"/> directions of a Jacobian's forward block, each as long as x (internal callers only).</summary>
    public static void ForDirections(double[]? x, double[][]? directions, int width)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(directions);
        if (directions.Length != width) throw new ArgumentException($"{directions.Length} directions given, {width} expected.", nameof(directions));
        foreach (var direction in directions) ForDirection(x, direction);
    }

    /// <summary>
    /// Checks the arguments of a gradient delegate and zeroes the gradient, which the reverse sweep then
    /// writes or adds into. The zeroing is a scalar loop on purpose: measured on the 300-node benchmark,
    /// a vectorized clear (<c>Array.Clear</c>, <c>Span.Clear</c>) followed by <c>gradient[k] += ...</c>
    /// made the whole gradient ~10x slower (a store-forwarding stall on every entry).
    /// </summary>
    public static void ForGradientAndZero(double[]? x, double[]? gradient)
    {
        ForGradient(x, gradient);
        for (var i = 0; i < gradient!.Length; i++) gradient[i] = 0;
    }

    /// <summary>The checks of <see cref="ForGradientAndZero"/>, for code that writes every gradient entry itself.</summary>
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
