using System.Reflection;
using ExprAD.Ir;

namespace ExprAD.Rules;

/// <summary>
/// Partials of the <see cref="Math"/> functions. Conventions at kinks (documented in the README):
/// Abs'(0) = 0; Max/Min on a tie send the derivative to the first argument; Clamp sends it to the value
/// when lo &lt;= v &lt;= hi; Hypot'(0, 0) = (0, 0); Sqrt'(0) = +Infinity and other singularities give
/// what IEEE arithmetic gives; Floor, Ceiling, Round, Truncate and a formula's sign have derivative 0 everywhere.
/// </summary>
internal static class MathRules
{
    private static readonly double Ln10 = Math.Log(10);
    private static readonly double Ln2 = Math.Log(2);

    public static IEnumerable<(MethodInfo Method, DerivativeRule Rule)> All()
    {
        yield return Unary("Sin", (b, a, r) => [Call(b, MathMethods.Cos, a[0])]);
        yield return Unary("Cos", (b, a, r) => [b.Negate(Call(b, MathMethods.Sin, a[0]))]);
        yield return Unary("Tan", (b, a, r) => [b.Add(b.Double(1), b.Multiply(r, r))]);
        yield return Unary("Asin", (b, a, r) => [b.Divide(b.Double(1), Call(b, MathMethods.Sqrt, OneMinusSquare(b, a[0])))]);
        yield return Unary("Acos", (b, a, r) => [b.Divide(b.Double(-1), Call(b, MathMethods.Sqrt, OneMinusSquare(b, a[0])))]);
        yield return Unary("Atan", (b, a, r) => [b.Divide(b.Double(1), b.Add(b.Double(1), b.Multiply(a[0], a[0])))]);
        yield return Binary("Atan2", (b, a, r) =>
        {
            // atan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2); NaN at the origin, where atan2 jumps.
            // Scaled by hypot so that x^2 + y^2 neither overflows nor underflows at extreme magnitudes.
            var (y, x) = (a[0], a[1]);
            var norm = b.MathCall(Hypot, x, y);
            return [b.Divide(b.Divide(x, norm), norm), b.Negate(b.Divide(b.Divide(y, norm), norm))];
        });
        yield return Unary("Sinh", (b, a, r) => [Call(b, MathMethods.Cosh, a[0])]);
        yield return Unary("Cosh", (b, a, r) => [Call(b, MathMethods.Sinh, a[0])]);
        yield return Unary("Tanh", (b, a, r) => [b.Subtract(b.Double(1), b.Multiply(r, r))]);
        // 1 / sqrt(a^2 + 1) as 1 / hypot(a, 1): a^2 would overflow for |a| > 1e154.
        yield return Unary("Asinh", (b, a, r) => [b.Divide(b.Double(1), b.MathCall(Hypot, a[0], b.Double(1)))]);
        yield return Unary("Acosh", (b, a, r) =>
            // sqrt(a-1)*sqrt(a+1) rather than sqrt(a*a-1): no cancellation near a = 1.
            [b.Divide(b.Double(1), b.Multiply(Call(b, MathMethods.Sqrt, b.Subtract(a[0], b.Double(1))), Call(b, MathMethods.Sqrt, b.Add(a[0], b.Double(1)))))]);
        yield return Unary("Atanh", (b, a, r) => [b.Divide(b.Double(1), OneMinusSquare(b, a[0]))]);
        yield return Unary("Exp", (b, a, r) => [r]);
        yield return Unary("Log", (b, a, r) => [b.Divide(b.Double(1), a[0])]);
        yield return Binary("Log", "Math.Log(a, newBase)", (b, a, r) =>
        {
            // log_base(a) = ln a / ln base.
            var inverseLnBase = b.Divide(b.Double(1), Call(b, MathMethods.Log, a[1]));
            return [b.Divide(inverseLnBase, a[0]), b.Negate(b.Divide(b.Multiply(r, inverseLnBase), a[1]))];
        });
        yield return Unary("Log10", (b, a, r) => [b.Divide(b.Double(1 / Ln10), a[0])]);
        yield return Unary("Log2", (b, a, r) => [b.Divide(b.Double(1 / Ln2), a[0])]);
        yield return Unary("Sqrt", (b, a, r) => [b.Divide(b.Double(0.5), r)]);
        yield return Unary("Cbrt", (b, a, r) => [b.Divide(b.Double(1.0 / 3.0), b.Multiply(r, r))]);
        yield return Binary("Pow", PowPartials);
        yield return Unary("Abs", (b, a, r) =>
        {
            // a - a is 0 at zero and NaN at NaN, so Abs'(NaN) stays NaN.
            var atZero = b.Subtract(a[0], a[0]);
            var negative = b.Select(b.Binary(System.Linq.Expressions.ExpressionType.LessThan, a[0], b.Double(0)), b.Double(-1), atZero);
            return [b.Select(b.Binary(System.Linq.Expressions.ExpressionType.GreaterThan, a[0], b.Double(0)), b.Double(1), negative)];
        });
        yield return Binary("Max", (b, a, r) => FirstOnTie(b, b.Binary(System.Linq.Expressions.ExpressionType.GreaterThanOrEqual, a[0], a[1])));
        yield return Binary("Min", (b, a, r) => FirstOnTie(b, b.Binary(System.Linq.Expressions.ExpressionType.LessThanOrEqual, a[0], a[1])));
        yield return (Method("Clamp", 3), new DerivativeRule("Math.Clamp", (b, a, r) =>
        {
            var (one, zero) = (b.Double(1), b.Double(0));
            var below = b.Binary(System.Linq.Expressions.ExpressionType.LessThan, a[0], a[1]);
            var above = b.Binary(System.Linq.Expressions.ExpressionType.GreaterThan, a[0], a[2]);
            return [b.Select(below, zero, b.Select(above, zero, one)), b.Select(below, one, zero), b.Select(below, zero, b.Select(above, one, zero))];
        }));
        yield return (Method("FusedMultiplyAdd", 3), new DerivativeRule("Math.FusedMultiplyAdd", (b, a, r) => [a[1], a[0], b.Double(1)]));
        yield return (Hypot, new DerivativeRule("double.Hypot", (b, a, r) =>
        {
            var atOrigin = b.Binary(System.Linq.Expressions.ExpressionType.Equal, r, b.Double(0));
            var zero = b.Double(0);
            return [b.Select(atOrigin, zero, b.Divide(a[0], r)), b.Select(atOrigin, zero, b.Divide(a[1], r))];
        }));

        foreach (var rule in ChoosingRules()) yield return rule;
        foreach (var rule in DoubleOnlyRules()) yield return rule;

        yield return (Formulas.FormulaMath.SignMethod, new DerivativeRule("sign", null));

        foreach (var name in new[] { "Floor", "Ceiling", "Truncate", "Round" })
            foreach (var method in typeof(Math).GetMethods().Where(m => m.Name == name && m.ReturnType == typeof(double)))
                yield return (method, new DerivativeRule($"Math.{name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})", null));
    }

    /// <summary>
    /// Functions that return one of their arguments, or its magnitude with a sign chosen elsewhere, or its neighbour:
    /// MaxMagnitude and MinMagnitude (and double's MaxNumber, MinNumber, MaxMagnitudeNumber, MinMagnitudeNumber, which
    /// differ in what NaN does), CopySign, ScaleB, BitIncrement, BitDecrement, and the IEEE remainder.
    /// </summary>
    private static IEnumerable<(MethodInfo, DerivativeRule)> ChoosingRules()
    {
        // The derivative goes to the argument returned: the first when both are equal, as Max's on a tie. Testing the result
        // against the first argument keeps each function's own rule for ties of magnitude (MaxMagnitude(-2, 2) is 2, the second)
        // and for NaN (MaxNumber(NaN, 3) is 3, the second).
        static Value?[] ToTheArgumentReturned(IrBuilder b, Value[] a, Value r)
            => FirstOnTie(b, b.Binary(System.Linq.Expressions.ExpressionType.Equal, r, a[0]));
        yield return Binary("MaxMagnitude", ToTheArgumentReturned);
        yield return Binary("MinMagnitude", ToTheArgumentReturned);
        foreach (var name in new[] { "MaxNumber", "MinNumber", "MaxMagnitudeNumber", "MinMagnitudeNumber" })
            yield return OnDouble(name, ToTheArgumentReturned, typeof(double), typeof(double));
        // CopySign(a, b) = |a| sign(b): d/da = sign(a) sign(b) (0 at a = 0, Abs's convention; NaN at NaN); b only chooses a sign.
        yield return Binary("CopySign", (b, a, r) =>
        {
            var signOfA = b.Select(b.Binary(System.Linq.Expressions.ExpressionType.GreaterThan, a[0], b.Double(0)), b.Double(1),
                b.Select(b.Binary(System.Linq.Expressions.ExpressionType.LessThan, a[0], b.Double(0)), b.Double(-1), b.Subtract(a[0], a[0])));
            return [b.Multiply(signOfA, b.MathCall(MathMethods.Binary("CopySign"), b.Double(1), a[1])), null];
        });
        // ScaleB(a, n) = a 2^n: d/da = 2^n, exactly ScaleB(1, n); n is an int.
        var scaleB = typeof(Math).GetMethod(nameof(Math.ScaleB), [typeof(double), typeof(int)])!;
        yield return (scaleB, new DerivativeRule("Math.ScaleB", (b, a, r) => [b.MathCall(scaleB, b.Double(1), a[1]), null]));
        // The next representable value up or down: a + ulp, derivative 1.
        yield return Unary("BitIncrement", (b, a, r) => [b.Double(1)]);
        yield return Unary("BitDecrement", (b, a, r) => [b.Double(1)]);
        // IEEERemainder(a, b) = a - b n with n = a / b rounded to the nearest integer (ties to even): d/da = 1, d/db = -n. n is
        // recovered from the result, (a - r) / b, an integer up to rounding, so it rounds to exactly the n the function used.
        yield return Binary("IEEERemainder", IeeeRemainderPartials);
        yield return OnDouble("Ieee754Remainder", IeeeRemainderPartials, typeof(double), typeof(double));
    }

    private static Value?[] IeeeRemainderPartials(IrBuilder b, Value[] a, Value r)
        => [b.Double(1), b.Negate(b.MathCall(MathMethods.Round, b.Divide(b.Subtract(a[0], r), a[1])))];

    /// <summary>
    /// Generic-math functions that exist on <see cref="double"/> only: the accurate forms near zero numerical code uses
    /// (<c>double.ExpM1</c>, <c>double.LogP1</c>, ...), the pi-scaled trigonometric functions, <c>RootN</c> and <c>Lerp</c>.
    /// Each partial calls only functions that have rules themselves, so second derivatives work as for the others.
    /// </summary>
    private static IEnumerable<(MethodInfo, DerivativeRule)> DoubleOnlyRules()
    {
        var pi = Math.PI;
        yield return OnDouble("ExpM1", (b, a, r) => [Call(b, MathMethods.Exp, a[0])]);
        yield return OnDouble("Exp2", (b, a, r) => [b.Multiply(b.Double(Ln2), r)]);
        yield return OnDouble("Exp10", (b, a, r) => [b.Multiply(b.Double(Ln10), r)]);
        yield return OnDouble("Exp2M1", (b, a, r) => [b.Multiply(b.Double(Ln2), Call(b, DoubleMethod("Exp2"), a[0]))]);
        yield return OnDouble("Exp10M1", (b, a, r) => [b.Multiply(b.Double(Ln10), Call(b, DoubleMethod("Exp10"), a[0]))]);
        yield return OnDouble("LogP1", (b, a, r) => [b.Divide(b.Double(1), b.Add(b.Double(1), a[0]))]);
        yield return OnDouble("Log2P1", (b, a, r) => [b.Divide(b.Double(1 / Ln2), b.Add(b.Double(1), a[0]))]);
        yield return OnDouble("Log10P1", (b, a, r) => [b.Divide(b.Double(1 / Ln10), b.Add(b.Double(1), a[0]))]);
        yield return OnDouble("SinPi", (b, a, r) => [b.Multiply(b.Double(pi), Call(b, DoubleMethod("CosPi"), a[0]))]);
        yield return OnDouble("CosPi", (b, a, r) => [b.Negate(b.Multiply(b.Double(pi), Call(b, DoubleMethod("SinPi"), a[0])))]);
        yield return OnDouble("TanPi", (b, a, r) => [b.Multiply(b.Double(pi), b.Add(b.Double(1), b.Multiply(r, r)))]);
        yield return OnDouble("AsinPi", (b, a, r) => [b.Divide(b.Double(1 / pi), Call(b, MathMethods.Sqrt, OneMinusSquare(b, a[0])))]);
        yield return OnDouble("AcosPi", (b, a, r) => [b.Divide(b.Double(-1 / pi), Call(b, MathMethods.Sqrt, OneMinusSquare(b, a[0])))]);
        yield return OnDouble("AtanPi", (b, a, r) => [b.Divide(b.Double(1 / pi), b.Add(b.Double(1), b.Multiply(a[0], a[0])))]);
        yield return OnDouble("Atan2Pi", (b, a, r) =>
        {
            // atan2(y, x) / pi, scaled by hypot as Atan2's partials are.
            var (y, x) = (a[0], a[1]);
            var norm = b.MathCall(Hypot, x, y);
            var scaled = b.Multiply(norm, b.Double(pi));
            return [b.Divide(b.Divide(x, norm), scaled), b.Negate(b.Divide(b.Divide(y, norm), scaled))];
        }, typeof(double), typeof(double));
        yield return OnDouble("DegreesToRadians", (b, a, r) => [b.Double(pi / 180)]);
        yield return OnDouble("RadiansToDegrees", (b, a, r) => [b.Double(180 / pi)]);
        // Lerp(a, b, t) = a (1 - t) + b t.
        yield return OnDouble("Lerp", (b, a, r) => [b.Subtract(b.Double(1), a[2]), a[2], b.Subtract(a[1], a[0])],
            typeof(double), typeof(double), typeof(double));
        // RootN(a, n) = a^(1/n): 1 / (n r^(n-1)), which is +infinity at a = 0 like Sqrt' and Cbrt'; n is an int, no partial.
        yield return OnDouble("RootN", (b, a, r) =>
        {
            var n = b.Convert(a[1], typeof(double));
            return [b.Divide(b.Double(1), b.Multiply(n, b.MathCall(MathMethods.Pow, r, b.Subtract(n, b.Double(1))))), null];
        }, typeof(double), typeof(int));
    }

    private static MethodInfo DoubleMethod(string name, params Type[] parameters)
        => typeof(double).GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters.Length == 0 ? [typeof(double)] : parameters)!;

    private static (MethodInfo, DerivativeRule) OnDouble(string name, PartialsBuilder partials, params Type[] parameters)
        => (DoubleMethod(name, parameters), new DerivativeRule($"double.{name}", partials));

    private static Value?[] PowPartials(IrBuilder b, Value[] a, Value r)
    {
        var (x, y) = (a[0], a[1]);
        if (y.TryGetConstantDouble(out var n))
        {
            // d/dx x^n = n x^(n-1), with the common small powers written out. x^0 is 1 for every x (NaN and 0 included):
            // its partial is absent, not 0 * x^-1, which is NaN at x = 0 and for a NaN x.
            if (n == 0) return [null, null];
            if (n == 1) return [b.Double(1), null];
            if (n == 2) return [b.Multiply(b.Double(2), x), null];
            return [b.Multiply(b.Double(n), b.MathCall(MathMethods.Pow, x, b.Double(n - 1))), null];
        }
        var dx = b.Multiply(y, b.MathCall(MathMethods.Pow, x, b.Subtract(y, b.Double(1))));
        // d/dy x^y = x^y ln x; where x^y is 0 (x = 0) the limit along y is 0, not 0 * -inf.
        var dy = x.Active || !x.IsConstant
            ? b.Select(b.Binary(System.Linq.Expressions.ExpressionType.Equal, r, b.Double(0)), b.Double(0), b.Multiply(r, Call(b, MathMethods.Log, x)))
            : b.Multiply(r, Call(b, MathMethods.Log, x));
        return [dx, dy];
    }

    private static Value?[] FirstOnTie(IrBuilder b, Value firstWins)
        => [b.Select(firstWins, b.Double(1), b.Double(0)), b.Select(firstWins, b.Double(0), b.Double(1))];

    // (1 - a)(1 + a) rather than 1 - a*a: no cancellation as |a| approaches 1, where asin and atanh are steep.
    private static Value OneMinusSquare(IrBuilder b, Value a) => b.Multiply(b.Subtract(b.Double(1), a), b.Add(b.Double(1), a));

    private static readonly MethodInfo Hypot = typeof(double).GetMethod(nameof(double.Hypot), [typeof(double), typeof(double)])!;

    private static Value Call(IrBuilder b, MethodInfo method, Value arg) => b.MathCall(method, arg);

    private static (MethodInfo, DerivativeRule) Unary(string name, PartialsBuilder partials)
        => (MathMethods.Unary(name), new DerivativeRule($"Math.{name}", partials));

    private static (MethodInfo, DerivativeRule) Binary(string name, PartialsBuilder partials)
        => Binary(name, $"Math.{name}", partials);

    private static (MethodInfo, DerivativeRule) Binary(string name, string ruleName, PartialsBuilder partials)
        => (MathMethods.Binary(name), new DerivativeRule(ruleName, partials));

    private static MethodInfo Method(string name, int arity)
        => typeof(Math).GetMethod(name, Enumerable.Repeat(typeof(double), arity).ToArray())!;
}
