using System.Runtime.CompilerServices;

namespace ExprAD.Compilation;

/// <summary>
/// Element updates for compiled code. An expression tree's <c>AddAssign</c> on an array element compiles to a load and
/// a store that each check the index; the JIT kept both checks in GMM's innermost reverse loops. Called (and inlined)
/// here, an update is one address computation with one check, as C# compiles it.
/// </summary>
internal static class ElementUpdates
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(double[] array, int index, double term) => array[index] += term;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(double[] array, int index, double term) => array[index] -= term;

    /// <summary><c>value = array[index]; array[index] = 0;</c>: an adjoint read and reset, with one index check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Take(double[] array, int index)
    {
        ref var element = ref array[index];
        var value = element;
        element = 0;
        return value;
    }
}
