namespace ExprAD.Compilation;

/// <summary>
/// Clearing and copying of double arrays with plain loops, for everything that runs between the generated code's
/// calls into the C library's math (exp, log, tanh). The runtime's vectorized helpers (<c>Array.Clear</c>,
/// <c>Span.CopyTo</c>) use 256/512-bit registers and can leave their upper halves dirty; the SSE code of the C
/// library's exp then stalls on every instruction (the SSE/AVX transition penalty). Measured on GMM: once the
/// runtime had tiered up its vectorized clear, the plain f ran 6 to 8 times slower for the rest of the process.
/// </summary>
internal static class ScalarMemory
{
    /// <summary>Sets every element to zero.</summary>
    public static void Clear(double[] array)
    {
        for (var i = 0; i < array.Length; i++) array[i] = 0;
    }

    /// <summary>Copies <c>source[sourceStart .. sourceStart + length)</c> to <c>target[targetStart ..)</c>.</summary>
    public static void Copy(double[] source, int sourceStart, double[] target, int targetStart, int length)
    {
        for (var i = 0; i < length; i++) target[targetStart + i] = source[sourceStart + i];
    }
}
