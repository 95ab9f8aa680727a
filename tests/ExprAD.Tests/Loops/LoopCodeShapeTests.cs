using static ExprAD.Tests.Loops.LoopBuilders;
using static ExprAD.Tests.Loops.LoopFunctions;

namespace ExprAD.Tests.Loops;

/// <summary>The gradient of a loop is a loop: the generated code does not unroll, so its size does not depend on n.</summary>
public class LoopCodeShapeTests
{
    [Fact]
    public void GradientOfRosenbrockIsALoopWhoseCodeDoesNotDependOnN()
    {
        var f = Rosenbrock(Length);
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Contains("while (true)", printed);
        // A reduction: its reverse is fused into the forward loop, so there is exactly one loop over x; the loop
        // writes the gradient entries first, and two more loops zero those it did not reach (none, here).
        Assert.True(Occurrences(printed, "while (true)") == 3, printed);
        Assert.True(Occurrences(printed, "gradient[zeroed] = 0.0;") == 2, printed);
        Assert.True(printed.Length < 20 * AD.ToCSharp(f).Length, $"{printed.Length} characters:\n{printed}");

        // One compiled delegate for every n.
        var gradient = AD.Differentiate(f);
        foreach (var n in new[] { 2, 3, 50, 10_000 })
        {
            var x = LoopCheck.RandomPoint(n, n, -1.2, 1.2);
            var g = new double[n];
            Assert.Equal(RosenbrockValue(x), gradient(x, g));
            LoopCheck.AssertClose(RosenbrockGradient(x), g, 1e-10, $"n = {n}");
        }
    }

    [Fact]
    public void ConstantTripCountsOfTenAndTenThousandGiveTheSameCode()
    {
        var small = AD.ToCSharp(AD.GradientExpression(Rosenbrock(I(10))));
        var large = AD.ToCSharp(AD.GradientExpression(Rosenbrock(I(10_000))));
        Assert.Contains("while (true)", small);
        Assert.Contains("while (true)", large);
        // Only the constant's digits may differ (folded constants such as n - 1 included).
        Assert.True(Math.Abs(large.Length - small.Length) <= 30, $"{small.Length} vs {large.Length} characters");
        Assert.Equal(Normalize(small, "10"), Normalize(large, "10000"));
    }

    [Fact]
    public void NestedLoopsStayLoops()
    {
        var data = DataSet.Random(1, rows: 50, features: 3, classification: false);
        var printed = AD.ToCSharp(AD.GradientExpression(Mlp(data, hidden: 4)));
        // Three nested loops forward, and the reverses of the two inner ones (the rows loop's reverse is fused
        // into it, the dot product's is one replay): no unrolling of the 50 x 4 x 3 iterations.
        Assert.True(Occurrences(printed, "while (true)") >= 5, printed);
        Assert.True(printed.Length < 20_000, $"{printed.Length} characters");
    }

    private static int Occurrences(string text, string fragment)
    {
        var count = 0;
        for (var at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fragment, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>Replaces the trip count n and n - 1 by placeholders, so that codes for different n can be compared.</summary>
    private static string Normalize(string code, string n)
    {
        var minusOne = (int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return System.Text.RegularExpressions.Regex.Replace(code, $@"\b({n}|{minusOne})\b", m => m.Value == n ? "N" : "N1");
    }
}
