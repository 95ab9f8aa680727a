using System.Reflection;

namespace ExprAD.Lowering;

/// <summary>
/// Marks a value whose derivative is not wanted (a comparison key, like the running best of a max loop):
/// the translator treats the call as a value with no derivative, and the emitter writes just its argument.
/// </summary>
internal static class Detached
{
    public static readonly MethodInfo Method = typeof(Detached).GetMethod(nameof(Value))!;

    public static double Value(double value) => value;
}
