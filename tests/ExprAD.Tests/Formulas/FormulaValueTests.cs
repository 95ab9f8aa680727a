using ExprAD.Formulas;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Formulas;

/// <summary>Parsed formulas compute what the same formula computes written in C#, bit for bit.</summary>
public class FormulaValueTests
{
    private const double X = 0.7, Y = -1.3, Z = 2.5;

    private static double Eval(string formula, params string[] variables)
        => AD.Compile(Formula.Parse(formula, variables))(new[] { X, Y, Z }[..variables.Length]);

    /// <summary>Formula text, and the same function written in C# over x, y, z.</summary>
    public static TheoryData<string, double> Cases => new()
    {
        { "x + y * z", X + Y * Z },
        { "(x + y) * z", (X + Y) * Z },
        { "x - y - z", X - Y - Z },
        { "x / y / z", X / Y / Z },
        { "x - (y - z)", X - (Y - Z) },
        { "x^2", Math.Pow(X, 2) },
        { "-x^2", -Math.Pow(X, 2) },
        { "(-x)^2", Math.Pow(-X, 2) },
        { "2^3^2", 512.0 },
        { "(2^3)^2", 64.0 },
        { "2^-1", 0.5 },
        { "-2^2", -4.0 },
        { "x^y^2", Math.Pow(X, Math.Pow(Y, 2)) },
        { "2*x^3", 2 * Math.Pow(X, 3) },
        { "x*y^2*z", X * Math.Pow(Y, 2) * Z },
        { "--x", X },
        { "+x", X },
        { "- -x^2", Math.Pow(X, 2) },
        { "1/2", 0.5 },
        { "1/3*3", 1.0 / 3 * 3 },
        { "7/2 + x", 3.5 + X },
        { "2.5 * .5 + 1e-3 + 1E3 + 2.5e+1", 2.5 * .5 + 1e-3 + 1E3 + 2.5e+1 },
        { "0.1 + 0.2", 0.1 + 0.2 },
        { "1e-320", 1e-320 },
        { "pi * e", Math.PI * Math.E },
        { "sin(x) + cos(y) + tan(z)", Math.Sin(X) + Math.Cos(Y) + Math.Tan(Z) },
        { "asin(x) + acos(x) + atan(y)", Math.Asin(X) + Math.Acos(X) + Math.Atan(Y) },
        { "atan2(y, x)", Math.Atan2(Y, X) },
        { "sinh(x) * cosh(y) - tanh(z)", Math.Sinh(X) * Math.Cosh(Y) - Math.Tanh(Z) },
        { "exp(x) + log(z) + log(z, 2) + log10(z) + log2(z)", Math.Exp(X) + Math.Log(Z) + Math.Log(Z, 2) + Math.Log10(Z) + Math.Log2(Z) },
        { "sqrt(z) + cbrt(y) + abs(y)", Math.Sqrt(Z) + Math.Cbrt(Y) + Math.Abs(Y) },
        { "pow(z, x) + min(x, y) + max(x, y)", Math.Pow(Z, X) + Math.Min(X, Y) + Math.Max(X, Y) },
        { "floor(y) + ceil(y) + round(z) + sign(y)", Math.Floor(Y) + Math.Ceiling(Y) + Math.Round(Z) + Math.Sign(Y) },
        { "hypot(x, y)", double.Hypot(X, Y) },
        { "expm1(x) + log1p(z)", double.ExpM1(X) + double.LogP1(Z) },
        { "expm1(1e-10) + log1p(1e-12)", double.ExpM1(1e-10) + double.LogP1(1e-12) },
        { "x < y ? x : y", X < Y ? X : Y },
        { "x > y ? 1 : 2", 1.0 },
        { "x <= 0.7 && y >= -1.3 ? 1 : 0", 1.0 },
        { "x == 0.7 || y != y ? 1 : 0", 1.0 },
        { "!(x > y) ? 1 : 0", 0.0 },
        { "x > 0 ? y > 0 ? 1 : 2 : 3", 2.0 },
        { "x > 0 ? 1 : y > 0 ? 2 : 3", 1.0 },
        { "x < y || y < z && z < x ? 1 : 0", (X < Y || (Y < Z && Z < X)) ? 1.0 : 0.0 },
        { "x + y > z - 5 ? x * 2 : y", X + Y > Z - 5 ? X * 2 : Y },
        { "  x\t+\n y ", X + Y },
        { "sin(x)*y + x^2/2", Math.Sin(X) * Y + Math.Pow(X, 2) / 2 },
        { "sum(i, 1, 4, i)", 10.0 },
        { "sum(i, 1, 4, 1/i)", 1 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 },
        { "prod(k, 1, 5, k)", 120.0 },
        { "sum(i, 1, 3, x^i)", X + X * X + Math.Pow(X, 3) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheSameFormulaInCSharp(string formula, double expected)
        => Numeric.AssertSameValue(expected, Eval(formula, "x", "y", "z"), formula);

    [Fact]
    public void DivisionIsNeverIntegerDivision()
    {
        Assert.Equal(0.5, Eval("1/2"));
        Assert.Equal(2.5, Eval("5/2"));
        Assert.Equal(1.5, Eval("sum(i, 3, 3, i/2)"));
        Assert.Equal(0.25, AD.Compile(Formula.Parse("x[1/2 < 1 ? 0 : 1] / 4"))([1.0, 9.0]));
    }

    [Fact]
    public void NumbersAreExactDoubles()
    {
        foreach (string literal in new[] { "0.1", "3.141592653589793", "1e-300", "4.9e-324", "1.7976931348623157e308", "123456789012345678901234567890" })
        {
            Numeric.AssertSameBits(double.Parse(literal, System.Globalization.CultureInfo.InvariantCulture), Eval(literal), literal);
        }
    }

    [Fact]
    public void VariablesAreCaseSensitiveAndMapToXInOrder()
    {
        var f = AD.Compile(Formula.Parse("a - A + 10*b", "A", "a", "b"));
        Assert.Equal(2.0 - 1.0 + 30.0, f([1.0, 2.0, 3.0]));
    }

    [Fact]
    public void VariablesMayBeNamedLikeDotNetTypesBecauseTheyNeverReachDynamicLinqByName()
    {
        var f = AD.Compile(Formula.Parse("Convert * Math + String - DateTime", "Convert", "Math", "String", "DateTime"));
        Assert.Equal(2.0 * 3.0 + 4.0 - 5.0, f([2.0, 3.0, 4.0, 5.0]));
    }

    [Fact]
    public void DeclaredVariablesShadowTheConstants()
    {
        Assert.Equal(5.0, AD.Compile(Formula.Parse("e + pi", "e", "pi"))([2.0, 3.0]));
    }

    [Fact]
    public async Task ParsesOnManyThreadsAtOnce()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(k =>
            Task.Run(() => AD.Compile(Formula.Parse($"x*{k} + sin(y)^2", "x", "y"))([1.0, 0.0]))));
        Assert.Equal(Enumerable.Range(0, 8).Select(k => (double)k), results);
    }

    [Fact]
    public void AConstantFormulaIsAFunctionOfAnyVector()
    {
        Assert.Equal(6.0, AD.Compile(Formula.Parse("2*3"))([]));
    }

    [Fact]
    public void ALongFlatSumParses()
    {
        // 100,000 characters, 50,000 terms: flat for Dynamic LINQ, deep as a tree.
        string text = "x" + string.Concat(Enumerable.Repeat("+x", 49_999)) + " ";
        Assert.Equal(FormulaLimits.MaxLength, text.Length);
        var f = Formula.Parse(text, "x");
        Assert.Equal(50_000.0, AD.Compile(f)([1.0]));
    }

    [Fact]
    public async Task NestingUpToTheLimitParsesOnAThreadPoolThread()
    {
        string parens = new string('(', 199) + "x" + new string(')', 199);
        string powers = "x" + string.Concat(Enumerable.Repeat("^1", 190));
        string calls = string.Concat(Enumerable.Repeat("sin(", 199)) + "x" + new string(')', 199);
        var results = await Task.Run(() => new[] { parens, powers, calls }.Select(t => AD.Compile(Formula.Parse(t, "x"))([0.5])).ToArray());
        Assert.Equal(0.5, results[0]);
        Assert.Equal(0.5, results[1]);
        Assert.InRange(results[2], 0.1, 0.5);
    }

    /// <summary>
    /// sign of NaN is NaN, where Math.Sign throws (found by the random formulas: sign(asin(y)) at |y| &gt; 1 threw an
    /// ArithmeticException out of the compiled function); elsewhere -1, 0, 1; its derivative is 0 in both modes.
    /// </summary>
    [Fact]
    public void SignOfNaNIsNaNAndSignHasDerivativeZero()
    {
        var f = Formula.Parse("sign(asin(y)) + 3*x", "x", "y");
        Assert.True(double.IsNaN(AD.Compile(f)([0.5, 2.0])));
        var gradient = new double[2];
        Assert.True(double.IsNaN(AD.Differentiate(f)([0.5, 2.0], gradient)));
        Assert.Equal([3.0, 0.0], gradient);
        Assert.Equal(0.0, AD.DirectionalDerivative(f)([0.5, 2.0], [0.0, 1.0]));
        var sign = AD.Compile(Formula.Parse("sign(x)", "x"));
        Assert.Equal([-1.0, 0.0, 0.0, 1.0, 1.0, -1.0], new[] { -3.0, 0.0, -0.0, 2.0, double.PositiveInfinity, double.NegativeInfinity }.Select(v => sign([v])));
        Assert.True(double.IsNaN(sign([double.NaN])));
    }
}
