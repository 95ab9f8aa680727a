namespace ExprAD.Benchmarks;

/// <summary>
/// The "no AD" contender: the gradient by central finite differences over the plain compiled function,
/// 2n + 1 evaluations of f per gradient (one for the value). Allocation-free: each coordinate is moved in
/// place and put back.
/// </summary>
internal static class CentralDifferences
{
    // Step (eps)^(1/3) * max(|x_i|, 1): balances the O(h^2) truncation error against the O(eps / h) rounding error.
    private static readonly double RelativeStep = Math.Cbrt(Math.BitIncrement(1.0) - 1.0);

    /// <summary>Returns f(x) and overwrites <paramref name="gradient"/> with the central-difference gradient.</summary>
    /// <param name="f">The function.</param>
    /// <param name="x">The point; modified during the call and restored exactly before it returns.</param>
    /// <param name="gradient">Receives the gradient; same length as <paramref name="x"/>.</param>
    public static double ValueAndGradient(Func<double[], double> f, double[] x, double[] gradient)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            double h = RelativeStep * Math.Max(Math.Abs(xi), 1.0);
            double up = xi + h, down = xi - h;
            x[i] = up;
            double fUp = f(x);
            x[i] = down;
            double fDown = f(x);
            x[i] = xi;
            // Divide by the step actually taken (up - down is exact in floating point, 2h may not be).
            gradient[i] = (fUp - fDown) / (up - down);
        }
        return f(x);
    }

    /// <summary>
    /// Central differences cost 2n evaluations of f; above this many inputs a gradient takes seconds to minutes, so
    /// the benchmark classes leave the finite-difference row out for such cases (the README table says so).
    /// </summary>
    public const int MaxInputs = 1000;
}
