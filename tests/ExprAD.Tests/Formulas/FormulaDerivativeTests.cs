using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Formulas;

/// <summary>AD on parsed formulas agrees with central finite differences.</summary>
public class FormulaDerivativeTests
{
    public static TheoryData<string> Formulas => new()
    {
        "x^2*sin(y)",
        "sin(x)*y + x^2/2",
        "exp(x*y)/(1 + y^2)",
        "log(x^2 + y^2 + 1) - atan2(y, x)",
        "sqrt(x^2 + y^2 + z^2)",
        "hypot(x, y) * cbrt(z + 3)",
        "x^y^0.5 + pow(z + 2, x)",
        "tanh(x) * cosh(y) / (2 + sinh(z))",
        "asin(x/2) + acos(y/3) + atan(z)",
        "log(z + 3, 2) + log10(x + 3) + log2(y + 3)",
        "x > y ? x^3 : y^2 - x",
        "min(x, y) * max(y, z) + abs(z - 10)",
        "-x^2 + 2^-y",
        "sum(i, 1, 4, x^i / i) + prod(k, 1, 3, y + k)",
        "x*y*z - (x + y + z)/3",
        "expm1(x*y) * log1p(z)",
    };

    [Theory]
    [MemberData(nameof(Formulas))]
    public void GradientAgreesWithFiniteDifferences(string formula)
    {
        var f = Formula.Parse(formula, "x", "y", "z");
        var gradient = AD.Differentiate(f);
        var value = AD.Compile(f);
        var rng = new Random(formula.Length);
        for (int trial = 0; trial < 5; trial++)
        {
            var x = FiniteDifferences.RandomPoint(rng, 3, 0.2, 1.4);
            FiniteDifferences.AssertPerCoordinate(gradient, value, x, formula);
        }
    }

    [Fact]
    public void TheSimplifiedDerivativePrintsAsCSharp()
    {
        string code = AD.ToCSharp(AD.GradientExpression(Formula.Parse("x^2*sin(y)", "x", "y")));
        Assert.Contains("Math.Cos", code);
        Assert.Contains("gradient[1]", code);
    }
}
