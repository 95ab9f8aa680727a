using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Formulas;

/// <summary>
/// Random token soups and random well-formed formulas, as untrusted text: <see cref="Formula.Parse"/> either returns a
/// function or throws a <see cref="FormulaException"/>, nothing else; every function it returns compiles, differentiates
/// in both modes without refusal, and its gradient's value is bit for bit the compiled function's (a NaN's sign aside).
/// </summary>
public class RandomFormulaTests
{
    private const int Soups = 3000;
    private const int WellFormed = 1500;

    private static readonly string[] Functions =
        ["sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "exp", "log", "log10", "log2", "sqrt", "cbrt",
         "abs", "pow", "min", "max", "floor", "ceil", "round", "sign", "hypot", "expm1", "log1p"];

    private static readonly string[] SoupTokens =
        ["x", "y", "n", "i", "k", "x[", "]", "x[i]", "x[0]", "x[n-1]", "0", "1", "2.5", "1e3", "1e309", "1e-320", ".5", "pi", "e",
         "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "<=", ">=", "==", "!=", "&&", "||", "!", "?", ":",
         "sum(", "prod(", "sum(i, 0, n-1, ", "if", "new", "System", ".", "Math.", "\"", "'", "@", "#", ";", "=", "=>", "{", "}",
         "\u00e9", "\u0000", " ", "\t", "double", "typeof", "GetType()", "x.Length", "nan", "inf", .. Functions.Select(f => f + "(")];

    [Fact]
    public void TokenSoupsParseOrAreRefusedWithAFormulaException()
    {
        var random = new Random(20261127);
        var parsed = 0;
        for (var k = 0; k < Soups; k++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 16)).Select(_ => SoupTokens[random.Next(SoupTokens.Length)] + (random.Next(3) == 0 ? " " : "")));
            foreach (var variables in new[] { new[] { "x", "y" }, Array.Empty<string>() })
                if (ParsesOrIsRefused(text, variables)) parsed++;
        }
        // Guard against a vacuous pass: some soups are formulas.
        Assert.True(parsed > 20, $"only {parsed} of {2 * Soups} soups parsed");
    }

    [Fact]
    public void RandomWellFormedFormulasParseDifferentiateAndKeepTheirValue()
    {
        var random = new Random(112620);
        var compared = 0;
        for (var k = 0; k < WellFormed; k++)
        {
            var vector = random.Next(3) == 0;
            var text = Term(random, depth: 0, vector, index: null);
            Expression<Func<double[], double>> f;
            try
            {
                f = Formula.Parse(text, vector ? [] : ["x", "y"]);
            }
            catch (FormulaException e)
            {
                throw new Xunit.Sdk.XunitException($"well-formed formula refused: {text}\n{e.Message}");
            }
            var x = Enumerable.Range(0, vector ? 1 + random.Next(4) : 2).Select(_ => Math.Round(random.NextDouble() * 4 - 2, 3)).ToArray();
            if (CheckModes(text, f, x)) compared++;
        }
        // Guard against a vacuous pass: most points are finite and have their modes compared.
        Assert.True(compared >= WellFormed / 2, $"modes compared at only {compared} of {WellFormed} points");
    }

    /// <summary>True when the text parsed (and its function then passed <see cref="CheckModes"/>); false when refused with a FormulaException.</summary>
    private static bool ParsesOrIsRefused(string text, string[] variables)
    {
        Expression<Func<double[], double>> f;
        try
        {
            f = Formula.Parse(text, variables);
        }
        catch (FormulaException)
        {
            return false;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Formula.Parse({Quote(text)}, [{string.Join(", ", variables)}]) threw {e.GetType().Name}: {e.Message}");
        }
        CheckModes(text, f, variables.Length == 0 ? [0.3, -1.2, 0.7] : [0.3, -1.2]);
        return true;
    }

    /// <summary>The checks on one parsed function at one point; true when the two modes' derivatives were compared (all finite).</summary>
    private static bool CheckModes(string text, Expression<Func<double[], double>> f, double[] x)
    {
        try
        {
            var value = AD.Compile(f)(x);
            var gradient = new double[x.Length];
            // Bit for bit, except that of two NaNs either may come out (x86 keeps the first operand's, and the two
            // pipelines may order an addition's operands differently): a NaN's sign bit is not compared.
            var gradientValue = AD.Differentiate(f)(x, gradient);
            Assert.True(Numeric.SameBits(value, gradientValue) || double.IsNaN(value) && double.IsNaN(gradientValue),
                $"gradient's value of {Quote(text)} at [{string.Join(", ", x)}]: {gradientValue:R}, AD.Compile {value:R}");
            // Where f is NaN or infinite its derivatives mean nothing, and the modes may differ there (forward mode carries
            // NaN * 0 = NaN from a branch that picked a constant; reverse mode sends nothing to a constant).
            if (!double.IsFinite(value)) return false;
            var direction = Enumerable.Repeat(1.0, x.Length).ToArray();
            var directional = AD.DirectionalDerivative(f)(x, direction);
            var dot = gradient.Zip(direction, (g, v) => g * v).Sum();
            // An infinite partial meeting a zero tangent (asin at -1 of a branch that does not depend on x) is NaN in forward
            // mode and absent in reverse mode (README, conventions): only finite derivatives are compared.
            if (!double.IsFinite(directional) || !double.IsFinite(dot)) return false;
            Assert.True(Math.Abs(directional - dot) <= 1e-9 * (1 + Math.Abs(dot)),
                $"{Quote(text)} at [{string.Join(", ", x)}]: forward mode {directional}, gradient . v {dot}");
            return true;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{Quote(text)} parsed, then {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>A random formula: sums and products of calls, powers, comparisons in conditionals, and (vector formulas) sums over x.</summary>
    private static string Term(Random random, int depth, bool vector, string? index)
    {
        string Leaf() => random.Next(5) switch
        {
            0 => (Math.Round(random.NextDouble() * 3, 2)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            1 => "pi",
            _ => vector ? (index is not null && random.Next(2) == 0 ? $"x[{index}]" : random.Next(2) == 0 ? "x[0]" : "x[n-1]") : random.Next(2) == 0 ? "x" : "y",
        };
        if (depth >= 4) return Leaf();
        string Sub() => Term(random, depth + 1, vector, index);
        switch (random.Next(vector && index is null ? 10 : 9))
        {
            case 0: return Leaf();
            case 1: return $"{Sub()} {"+-*/"[random.Next(4)]} {Sub()}";
            case 2: return $"({Sub()})^{random.Next(4)}";
            case 3: return $"-{Sub()}";
            case 4:
                var function = Functions[random.Next(Functions.Length)];
                var arity = function is "atan2" or "pow" or "min" or "max" or "hypot" ? 2 : 1;
                return $"{function}({string.Join(", ", Enumerable.Range(0, arity).Select(_ => Sub()))})";
            case 5: return $"({Sub()} {(random.Next(2) == 0 ? "<" : ">=")} {Sub()} ? {Sub()} : {Sub()})";
            case 6: return $"exp(-({Sub()})^2)";
            case 7: return $"log(1 + ({Sub()})^2)";
            case 8: return $"{Sub()} * {Sub()}";
            default: return $"{(random.Next(2) == 0 ? "sum" : "prod")}(i, 0, n-1, {Term(random, depth + 1, vector, "i")})";
        }
    }

    private static string Quote(string text) => "\"" + string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";
}
