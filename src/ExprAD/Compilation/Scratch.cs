namespace ExprAD.Compilation;

/// <summary>Per-thread scratch vectors of the Jacobian and Hessian evaluators: reused while the size stays the same.</summary>
internal static class Scratch
{
    public static double[] Of(ref double[]? cached, int length)
    {
        if (cached is null || cached.Length != length) cached = new double[length];
        return cached;
    }
}
