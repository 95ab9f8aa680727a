using System.Linq.Expressions;

namespace ExprAD.Tests.Rules;

/// <summary>
/// One entry per derivative rule: the rule exercised on its own, a sampler of points inside its domain
/// (away from kinks and jumps, whose conventions are tested separately), and the exact derivative
/// written out independently of the rule's own formula.
/// </summary>
public sealed record RuleSpec(
    string Rule,
    Expression<Func<double[], double>> Function,
    Func<double[], double[]> Exact,
    Func<Random, double[]> Sample)
{
    public override string ToString() => Rule;

    public static Func<Random, double[]> Uniform(double lo, double hi, int arity)
        => r => Enumerable.Range(0, arity).Select(_ => lo + (hi - lo) * r.NextDouble()).ToArray();

    /// <summary>Uniform in [lo, hi] for each coordinate, redrawn until <paramref name="accept"/> holds.</summary>
    public static Func<Random, double[]> Where(double lo, double hi, int arity, Func<double[], bool> accept)
        => r =>
        {
            while (true)
            {
                var x = Uniform(lo, hi, arity)(r);
                if (accept(x)) return x;
            }
        };

    private static double Frac(double v, double step) => Math.Abs(v / step - Math.Round(v / step));

    public static readonly RuleSpec[] All =
    [
        new("a + b", x => x[0] + x[1], x => [1, 1], Uniform(-3, 3, 2)),
        new("a - b", x => x[0] - x[1], x => [1, -1], Uniform(-3, 3, 2)),
        new("a * b", x => x[0] * x[1], x => [x[1], x[0]], Uniform(-3, 3, 2)),
        new("a / b", x => x[0] / x[1], x => [1 / x[1], -x[0] / (x[1] * x[1])], Where(-3, 3, 2, x => Math.Abs(x[1]) > 0.3)),
        new("a % b", x => x[0] % x[1], x => [1, -Math.Truncate(x[0] / x[1])], Where(-5, 5, 2, x => Math.Abs(x[1]) > 0.5 && Frac(x[0] / x[1], 1) > 0.01)),
        new("-a", x => -x[0], x => [-1], Uniform(-3, 3, 1)),
        new("c ? a : b", x => x[2] > 0 ? x[0] : x[1], x => x[2] > 0 ? [1, 0, 0] : [0, 1, 0], Where(-3, 3, 3, x => Math.Abs(x[2]) > 0.01)),

        new("Math.Sin", x => Math.Sin(x[0]), x => [Math.Cos(x[0])], Uniform(-4, 4, 1)),
        new("Math.Cos", x => Math.Cos(x[0]), x => [-Math.Sin(x[0])], Uniform(-4, 4, 1)),
        new("Math.Tan", x => Math.Tan(x[0]), x => [1 / (Math.Cos(x[0]) * Math.Cos(x[0]))], Uniform(-1.3, 1.3, 1)),
        new("Math.Asin", x => Math.Asin(x[0]), x => [1 / Math.Sqrt(1 - x[0] * x[0])], Uniform(-0.95, 0.95, 1)),
        new("Math.Acos", x => Math.Acos(x[0]), x => [-1 / Math.Sqrt(1 - x[0] * x[0])], Uniform(-0.95, 0.95, 1)),
        new("Math.Atan", x => Math.Atan(x[0]), x => [1 / (1 + x[0] * x[0])], Uniform(-5, 5, 1)),
        new("Math.Atan2", x => Math.Atan2(x[0], x[1]),
            x => [x[1] / (x[0] * x[0] + x[1] * x[1]), -x[0] / (x[0] * x[0] + x[1] * x[1])],
            // Away from the origin and from the jump of atan2 along the negative x axis.
            Where(-3, 3, 2, x => Math.Abs(x[0]) + Math.Abs(x[1]) > 0.3 && !(x[1] < 0 && Math.Abs(x[0]) < 0.05))),
        new("Math.Sinh", x => Math.Sinh(x[0]), x => [Math.Cosh(x[0])], Uniform(-3, 3, 1)),
        new("Math.Cosh", x => Math.Cosh(x[0]), x => [Math.Sinh(x[0])], Uniform(-3, 3, 1)),
        new("Math.Tanh", x => Math.Tanh(x[0]), x => [1 / (Math.Cosh(x[0]) * Math.Cosh(x[0]))], Uniform(-3, 3, 1)),
        new("Math.Asinh", x => Math.Asinh(x[0]), x => [1 / Math.Sqrt(x[0] * x[0] + 1)], Uniform(-5, 5, 1)),
        new("Math.Acosh", x => Math.Acosh(x[0]), x => [1 / Math.Sqrt(x[0] * x[0] - 1)], Uniform(1.05, 6, 1)),
        new("Math.Atanh", x => Math.Atanh(x[0]), x => [1 / (1 - x[0] * x[0])], Uniform(-0.95, 0.95, 1)),
        new("Math.Exp", x => Math.Exp(x[0]), x => [Math.Exp(x[0])], Uniform(-4, 4, 1)),
        new("Math.Log", x => Math.Log(x[0]), x => [1 / x[0]], Uniform(0.05, 8, 1)),
        new("Math.Log(a, newBase)", x => Math.Log(x[0], x[1]),
            x => [1 / (x[0] * Math.Log(x[1])), -Math.Log(x[0]) / (x[1] * Math.Log(x[1]) * Math.Log(x[1]))],
            r => [0.1 + 5 * r.NextDouble(), 1.5 + 4 * r.NextDouble()]),
        new("Math.Log10", x => Math.Log10(x[0]), x => [1 / (x[0] * Math.Log(10))], Uniform(0.05, 8, 1)),
        new("Math.Log2", x => Math.Log2(x[0]), x => [1 / (x[0] * Math.Log(2))], Uniform(0.05, 8, 1)),
        new("Math.Sqrt", x => Math.Sqrt(x[0]), x => [0.5 / Math.Sqrt(x[0])], Uniform(0.05, 8, 1)),
        new("Math.Cbrt", x => Math.Cbrt(x[0]), x => [1 / (3 * Math.Pow(Math.Abs(x[0]), 2.0 / 3.0))], Where(-8, 8, 1, x => Math.Abs(x[0]) > 0.05)),
        new("Math.Pow", x => Math.Pow(x[0], x[1]),
            x => [x[1] * Math.Pow(x[0], x[1] - 1), Math.Pow(x[0], x[1]) * Math.Log(x[0])],
            r => [0.2 + 3 * r.NextDouble(), -2 + 5 * r.NextDouble()]),
        new("Math.Abs", x => Math.Abs(x[0]), x => [x[0] > 0 ? 1 : -1], Where(-3, 3, 1, x => Math.Abs(x[0]) > 0.01)),
        new("Math.Max", x => Math.Max(x[0], x[1]), x => x[0] > x[1] ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(x[0] - x[1]) > 0.01)),
        new("Math.Min", x => Math.Min(x[0], x[1]), x => x[0] < x[1] ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(x[0] - x[1]) > 0.01)),
        new("Math.Clamp", x => Math.Clamp(x[0], x[1], x[2]),
            x => x[0] < x[1] ? [0, 1, 0] : x[0] > x[2] ? [0, 0, 1] : [1, 0, 0],
            r => Where(-3, 3, 1, _ => true)(r).Concat([-1.5 + r.NextDouble(), 0.5 + r.NextDouble()]).ToArray() is var p
                 && Math.Abs(p[0] - p[1]) > 0.01 && Math.Abs(p[0] - p[2]) > 0.01 ? p : [0.1, -1, 1]),
        new("Math.FusedMultiplyAdd", x => Math.FusedMultiplyAdd(x[0], x[1], x[2]), x => [x[1], x[0], 1], Uniform(-3, 3, 3)),
        new("double.Hypot", x => double.Hypot(x[0], x[1]),
            x => [x[0] / Math.Sqrt(x[0] * x[0] + x[1] * x[1]), x[1] / Math.Sqrt(x[0] * x[0] + x[1] * x[1])],
            Where(-3, 3, 2, x => Math.Abs(x[0]) + Math.Abs(x[1]) > 0.1)),

        // Functions on double only (generic math), not on Math.
        new("double.ExpM1", x => double.ExpM1(x[0]), x => [Math.Exp(x[0])], Uniform(-4, 4, 1)),
        new("double.Exp2", x => double.Exp2(x[0]), x => [Math.Pow(2, x[0]) * Math.Log(2)], Uniform(-4, 4, 1)),
        new("double.Exp10", x => double.Exp10(x[0]), x => [Math.Pow(10, x[0]) * Math.Log(10)], Uniform(-2, 2, 1)),
        new("double.Exp2M1", x => double.Exp2M1(x[0]), x => [Math.Pow(2, x[0]) * Math.Log(2)], Uniform(-4, 4, 1)),
        new("double.Exp10M1", x => double.Exp10M1(x[0]), x => [Math.Pow(10, x[0]) * Math.Log(10)], Uniform(-2, 2, 1)),
        new("double.LogP1", x => double.LogP1(x[0]), x => [1 / (1 + x[0])], Uniform(-0.9, 5, 1)),
        new("double.Log2P1", x => double.Log2P1(x[0]), x => [1 / ((1 + x[0]) * Math.Log(2))], Uniform(-0.9, 5, 1)),
        new("double.Log10P1", x => double.Log10P1(x[0]), x => [1 / ((1 + x[0]) * Math.Log(10))], Uniform(-0.9, 5, 1)),
        new("double.SinPi", x => double.SinPi(x[0]), x => [Math.PI * Math.Cos(Math.PI * x[0])], Uniform(-2, 2, 1)),
        new("double.CosPi", x => double.CosPi(x[0]), x => [-Math.PI * Math.Sin(Math.PI * x[0])], Uniform(-2, 2, 1)),
        new("double.TanPi", x => double.TanPi(x[0]), x => [Math.PI / (Math.Cos(Math.PI * x[0]) * Math.Cos(Math.PI * x[0]))], Uniform(-0.4, 0.4, 1)),
        new("double.AsinPi", x => double.AsinPi(x[0]), x => [1 / (Math.PI * Math.Sqrt(1 - x[0] * x[0]))], Uniform(-0.95, 0.95, 1)),
        new("double.AcosPi", x => double.AcosPi(x[0]), x => [-1 / (Math.PI * Math.Sqrt(1 - x[0] * x[0]))], Uniform(-0.95, 0.95, 1)),
        new("double.AtanPi", x => double.AtanPi(x[0]), x => [1 / (Math.PI * (1 + x[0] * x[0]))], Uniform(-5, 5, 1)),
        new("double.Atan2Pi", x => double.Atan2Pi(x[0], x[1]),
            x => [x[1] / (Math.PI * (x[0] * x[0] + x[1] * x[1])), -x[0] / (Math.PI * (x[0] * x[0] + x[1] * x[1]))],
            Where(-3, 3, 2, x => Math.Abs(x[0]) + Math.Abs(x[1]) > 0.3 && !(x[1] < 0 && Math.Abs(x[0]) < 0.05))),
        new("double.DegreesToRadians", x => double.DegreesToRadians(x[0]), x => [Math.PI / 180], Uniform(-400, 400, 1)),
        new("double.RadiansToDegrees", x => double.RadiansToDegrees(x[0]), x => [180 / Math.PI], Uniform(-7, 7, 1)),
        new("double.Lerp", x => double.Lerp(x[0], x[1], x[2]), x => [1 - x[2], x[2], x[1] - x[0]], Uniform(-3, 3, 3)),
        new("double.RootN", x => double.RootN(x[0], 3), x => [1 / (3 * Math.Pow(Math.Abs(x[0]), 2.0 / 3.0))], Where(-8, 8, 1, x => Math.Abs(x[0]) > 0.05)),

        // Functions that return one of their arguments: sampled away from ties of the comparison they make.
        new("Math.MaxMagnitude", x => Math.MaxMagnitude(x[0], x[1]), x => Math.Abs(x[0]) > Math.Abs(x[1]) ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(Math.Abs(x[0]) - Math.Abs(x[1])) > 0.05)),
        new("Math.MinMagnitude", x => Math.MinMagnitude(x[0], x[1]), x => Math.Abs(x[0]) < Math.Abs(x[1]) ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(Math.Abs(x[0]) - Math.Abs(x[1])) > 0.05)),
        new("double.MaxNumber", x => double.MaxNumber(x[0], x[1]), x => x[0] > x[1] ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(x[0] - x[1]) > 0.05)),
        new("double.MinNumber", x => double.MinNumber(x[0], x[1]), x => x[0] < x[1] ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(x[0] - x[1]) > 0.05)),
        new("double.MaxMagnitudeNumber", x => double.MaxMagnitudeNumber(x[0], x[1]), x => Math.Abs(x[0]) > Math.Abs(x[1]) ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(Math.Abs(x[0]) - Math.Abs(x[1])) > 0.05)),
        new("double.MinMagnitudeNumber", x => double.MinMagnitudeNumber(x[0], x[1]), x => Math.Abs(x[0]) < Math.Abs(x[1]) ? [1, 0] : [0, 1], Where(-3, 3, 2, x => Math.Abs(Math.Abs(x[0]) - Math.Abs(x[1])) > 0.05)),
        new("Math.CopySign", x => Math.CopySign(x[0], x[1]), x => [Math.Sign(x[0]) * Math.Sign(x[1]), 0], Where(-3, 3, 2, x => Math.Abs(x[0]) > 0.05 && Math.Abs(x[1]) > 0.05)),
        new("Math.ScaleB", x => Math.ScaleB(x[0], 3) + Math.ScaleB(x[1], -2), x => [8, 0.25], Uniform(-3, 3, 2)),
        new("Math.BitIncrement", x => Math.BitIncrement(x[0]) * x[1], x => [x[1], Math.BitIncrement(x[0])], Uniform(-3, 3, 2)),
        new("Math.BitDecrement", x => Math.BitDecrement(x[0]) * x[1], x => [x[1], Math.BitDecrement(x[0])], Uniform(-3, 3, 2)),
        new("Math.IEEERemainder", x => Math.IEEERemainder(x[0], x[1]), x => [1, -Math.Round(x[0] / x[1])], Where(-5, 5, 2, x => Math.Abs(x[1]) > 0.5 && Frac(x[0] / x[1] - 0.5, 1) > 0.01)),
        new("double.Ieee754Remainder", x => double.Ieee754Remainder(x[0], x[1]), x => [1, -Math.Round(x[0] / x[1])], Where(-5, 5, 2, x => Math.Abs(x[1]) > 0.5 && Frac(x[0] / x[1] - 0.5, 1) > 0.01)),

        // Piecewise constant: derivative zero; sampled away from the jumps so finite differences agree.
        new("Math.Floor(Double)", x => Math.Floor(x[0]) * 1.0, x => [0], Where(-5, 5, 1, x => Frac(x[0], 1) > 0.01)),
        new("Math.Ceiling(Double)", x => Math.Ceiling(x[0]), x => [0], Where(-5, 5, 1, x => Frac(x[0], 1) > 0.01)),
        new("Math.Truncate(Double)", x => Math.Truncate(x[0]), x => [0], Where(-5, 5, 1, x => Frac(x[0], 1) > 0.01)),
        new("Math.Round(Double)", x => Math.Round(x[0]), x => [0], Where(-5, 5, 1, x => Frac(x[0] - 0.5, 1) > 0.01)),
        new("sign", x => ExprAD.Formulas.FormulaMath.Sign(x[0]) * x[1], x => [0, ExprAD.Formulas.FormulaMath.Sign(x[0])], Where(-5, 5, 2, x => Math.Abs(x[0]) > 0.01)),
        new("Math.Round(Double, Int32)", x => Math.Round(x[0], 1), x => [0], Where(-5, 5, 1, x => Frac(x[0] - 0.05, 0.1) > 0.01)),
        new("Math.Round(Double, MidpointRounding)", x => Math.Round(x[0], MidpointRounding.AwayFromZero), x => [0], Where(-5, 5, 1, x => Frac(x[0] - 0.5, 1) > 0.01)),
        new("Math.Round(Double, Int32, MidpointRounding)", x => Math.Round(x[0], 1, MidpointRounding.ToZero), x => [0], Where(-5, 5, 1, x => Frac(x[0], 0.1) > 0.01)),
    ];
}
