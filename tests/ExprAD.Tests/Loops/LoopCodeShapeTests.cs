using System.Linq.Expressions;
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
    public void ACounterIsTestedIndexedAndIncrementedAsOneVariable()
    {
        // The shape the JIT recognises as `for (i = s; i < n; i++)` (and clones to drop the index check of x[i]):
        // no copy of the counter at the top of the body, the test and the index on the counter itself.
        var printed = AD.ToCSharp(AD.GradientExpression(ExprAD.Benchmarks.Shared.ExtendedRosenbrock.Definition));
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"if \(!\(i < \w+\)\)"), printed);
        Assert.Contains("x[i]", printed, StringComparison.Ordinal);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"
\s*i = \w+;
\s*\}"), printed);
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex(@"(\w+) = i;\s*\n\s*if \(!\(\1 <"), printed);
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

    [Fact]
    public void TheHiddenLayersTanhIsCalledOncePerUnitAndRowNotAgainInTheReverse()
    {
        // The hidden-unit loop's adjoint (2 * error) is known only after it ends, so it is recorded: its tanh
        // results go on the tape, and its reverse pops them instead of calling Math.Tanh again. The dot
        // product's sum is not recomputed in its replay either (only its terms' adjoints are wanted).
        var data = DataSet.Random(1, rows: 50, features: 3, classification: false);
        var f = Mlp(data, hidden: 4);
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Equal(Occurrences(AD.ToCSharp(f), "Math.Tanh("), Occurrences(printed, "Math.Tanh("));
        // Unchecked: the hidden loop's trip count is known before it, so room for its pushes is reserved there.
        Assert.Contains("tape._values[tape._count++] = ", printed);
        var x = LoopCheck.RandomPoint(2, 4 * 3 + 4 + 4, -0.5, 0.5);
        LoopCheck.Run(f, x, seed: 2, handGradient: MlpGradient(data, 4, x));
    }

    [Fact]
    public void AMaxOverASelectorWithNestedSumsDifferentiatesOnlyTheWinner()
    {
        // max over k of sum over j of x[j] * w[k, j]: the candidates are compared on values with no
        // derivative; only the winner's sum is computed again and differentiated.
        var w = new double[,] { { 1, -2, 0.5 }, { 0.3, 0.1, 2 }, { -1, 1, 1 } };
        System.Linq.Expressions.Expression<Func<double[], double>> f = x =>
            Enumerable.Range(0, 3).Max(k => Enumerable.Range(0, x.Length).Sum(j => Math.Sin(x[j]) * w[k, j]));
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Contains("winner", printed);
        foreach (var point in new[] { new[] { 0.3, -0.2, 0.9 }, new[] { -0.7, 0.4, 0.1 } })
        {
            var g = LoopCheck.Run(f, point, seed: 3, perCoordinate: true);
            var sums = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, 3).Sum(j => Math.Sin(point[j]) * w[k, j])).ToArray();
            var winner = Array.IndexOf(sums, sums.Max());
            for (var j = 0; j < 3; j++) Assert.Equal(Math.Cos(point[j]) * w[winner, j], g[j], 1e-14);
        }
    }

    [Fact]
    public void ALogSumExpOverAConstantNumberOfTermsDoesNotCallExpAgainInTheReverse()
    {
        // sum_r log(sum_{k<4} exp(x_k d_rk)): the inner sum is a reduction whose adjoint (1 / sum) is known only
        // after it, so it is reversed as a loop; with a constant trip count of 4 its exp results are taped.
        var data = new double[5, 4];
        var random = new Random(8);
        for (var r = 0; r < 5; r++) for (var k = 0; k < 4; k++) data[r, k] = random.NextDouble();
        var sum = Double("sum");
        var loss = Double("loss");
        var f = Lambda(Expression.Block([loss], Expression.Assign(loss, C(0)),
            For("r", I(0), I(5), r => Expression.Block([sum], Expression.Assign(sum, C(0)),
                For("k", I(0), I(4), k => Expression.AddAssign(sum, Exp(Mul(Xi(k), Expression.ArrayAccess(Captured(() => data), r, k))))),
                Expression.AddAssign(loss, Log(sum)))),
            loss));
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Equal(Occurrences(AD.ToCSharp(f), "Math.Exp("), Occurrences(printed, "Math.Exp("));
        var x = LoopCheck.RandomPoint(3, 4, -1, 1);
        var hand = new double[4];
        for (var r = 0; r < 5; r++)
        {
            var total = Enumerable.Range(0, 4).Sum(k => Math.Exp(x[k] * data[r, k]));
            for (var k = 0; k < 4; k++) hand[k] += Math.Exp(x[k] * data[r, k]) * data[r, k] / total;
        }
        LoopCheck.Run(f, x, seed: 3, hand);
    }

    /// <summary>How many times <paramref name="fragment"/> occurs in <paramref name="text"/> (overlaps counted).</summary>
    internal static int Occurrences(string text, string fragment)
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
