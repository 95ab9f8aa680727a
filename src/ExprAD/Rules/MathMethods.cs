using System.Reflection;

namespace ExprAD.Rules;

/// <summary>The <see cref="Math"/> methods that derivative code itself calls.</summary>
internal static class MathMethods
{
    public static readonly MethodInfo Sin = Unary(nameof(Math.Sin));
    public static readonly MethodInfo Cos = Unary(nameof(Math.Cos));
    public static readonly MethodInfo Sinh = Unary(nameof(Math.Sinh));
    public static readonly MethodInfo Cosh = Unary(nameof(Math.Cosh));
    public static readonly MethodInfo Sqrt = Unary(nameof(Math.Sqrt));
    public static readonly MethodInfo Log = Unary(nameof(Math.Log));
    public static readonly MethodInfo Exp = Unary(nameof(Math.Exp));
    public static readonly MethodInfo Truncate = Unary(nameof(Math.Truncate));
    public static readonly MethodInfo Round = Unary(nameof(Math.Round));
    public static readonly MethodInfo Pow = Binary(nameof(Math.Pow));

    public static MethodInfo Unary(string name) => typeof(Math).GetMethod(name, [typeof(double)])!;
    public static MethodInfo Binary(string name) => typeof(Math).GetMethod(name, [typeof(double), typeof(double)])!;
}
