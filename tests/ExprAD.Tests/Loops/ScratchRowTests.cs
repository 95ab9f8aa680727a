using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Scratch arrays kept as one row per iteration (ScratchRows): a recorded loop over components inside a loop over
/// data rows fills y per component; instead of pushing y onto the tape after every component and popping it back
/// in the reverse, the array variable points at row k of a set of rows during component k, forward and reverse.
/// When anything else touches the array between the loop and its reverse, the copies stay.
/// </summary>
public class ScratchRowTests
{
    private const int N = 3;

    /// <summary>
    /// loss = sum_r sum_pass log(prod_k (1 + a_k)), a_k = (sum_j y_j^2) w_k, y_j = sin(x[k N + j] d_rj) filled into one
    /// scratch array per component; w_k = x[K N + k]. K is a constant, or read from x.Length (K = x.Length / (N + 1)).
    /// With two passes, two sibling component loops refill the same array in every row.
    /// </summary>
    internal static Expression<Func<double[], double>> Components(double[,] data, int? components, int passes)
    {
        var rows = data.GetLength(0);
        var y = Expression.Variable(typeof(double[]), "y");
        var count = Expression.Variable(typeof(int), "count");
        var loss = Double("loss");
        var norm = Double("norm");
        var product = Double("product");
        Expression ComponentLoop(ParameterExpression r) => For("k", I(0), count, k => Expression.Block([norm],
            For("j", I(0), I(N), j => Expression.Assign(Expression.ArrayAccess(y, j),
                Sin(Mul(Xi(Add(Mul(k, I(N)), j)), Expression.ArrayAccess(Expression.Constant(data), r, j))))),
            Expression.Assign(norm, C(0)),
            For("j", I(0), I(N), j => Expression.AddAssign(norm, Mul(Expression.ArrayAccess(y, j), Expression.ArrayAccess(y, j)))),
            Expression.MultiplyAssign(product, Add(C(1), Mul(norm, Xi(Add(Mul(count, I(N)), k)))))));
        return Lambda(Expression.Block([y, count, loss],
            Expression.Assign(count, components is int k ? I(k) : Expression.Divide(Length, I(N + 1))),
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), I(N))),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(rows), r => Expression.Block([product],
                Expression.Assign(product, C(1)),
                Repeat(passes, () => ComponentLoop(r)),
                Expression.AddAssign(loss, Log(product)))),
            loss));
    }

    private static Expression Repeat(int times, Func<Expression> make) => Expression.Block(Enumerable.Range(0, times).Select(_ => make()));

    private static double[] HandGradient(double[,] data, int components, int passes, double[] x)
    {
        var g = new double[x.Length];
        for (var r = 0; r < data.GetLength(0); r++)
            for (var k = 0; k < components; k++)
            {
                var values = Enumerable.Range(0, N).Select(j => Math.Sin(x[k * N + j] * data[r, j])).ToArray();
                var norm = values.Sum(v => v * v);
                var weight = x[components * N + k];
                var scale = passes / (1 + norm * weight);
                g[components * N + k] += scale * norm;
                for (var j = 0; j < N; j++)
                    g[k * N + j] += scale * weight * 2 * values[j] * Math.Cos(x[k * N + j] * data[r, j]) * data[r, j];
            }
        return g;
    }

    private static double[,] RandomData(Random random, int rows)
    {
        var data = new double[rows, N];
        for (var r = 0; r < rows; r++) for (var j = 0; j < N; j++) data[r, j] = random.NextDouble() * 2 - 1;
        return data;
    }

    [Theory]
    [InlineData(1, 1, 1, 201)]
    [InlineData(4, 3, 1, 202)]
    [InlineData(0, 2, 1, 203)]
    [InlineData(3, 0, 1, 204)]
    [InlineData(4, 3, 2, 205)]
    [InlineData(2, 1, 2, 206)]
    public void ComponentsFilledPerRowHaveExactGradients(int rows, int components, int passes, int seed)
    {
        var random = new Random(seed);
        var data = RandomData(random, rows);
        var f = Components(data, components, passes);
        var x = FiniteDifferences.RandomPoint(random, components * (N + 1), 0.1, 1);
        var gradient = AD.Differentiate(f);

        var g = new double[x.Length];
        gradient(x, g);
        Numeric.AssertClose(HandGradient(data, components, passes, x), g, 1e-12);
        if (x.Length > 0) FiniteDifferences.AssertDirectional(gradient, f.Compile(), x, random);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    [Fact]
    public void OneComponentLoopKeepsItsArrayAsRowsWithNoCopies()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(Components(new double[2, N], 2, passes: 1)));
        Assert.Contains(".Reserve(", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("PushElements(", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("PopElements(", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoComponentLoopsSharingTheArrayCopyItInstead()
    {
        // Between the first loop and its reverse, the second loop refills the array: the first loop's last state must
        // survive in the array itself, so both push and pop copies.
        var printed = AD.ToCSharp(AD.GradientExpression(Components(new double[2, N], 2, passes: 2)));
        Assert.DoesNotContain(".Reserve(", printed, StringComparison.Ordinal);
        Assert.Contains("PushElements(", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsGrowWhenTheTripCountGrowsFromCallToCall()
    {
        // K comes from x.Length, so one compiled gradient runs 2, 6, 1 and 6 components: the rows reserved for the
        // smaller counts are extended, and a later smaller count reuses the first rows.
        var random = new Random(207);
        var data = RandomData(random, 3);
        var f = Components(data, components: null, passes: 1);
        var gradient = AD.Differentiate(f);
        foreach (var components in new[] { 2, 6, 1, 6, 0 })
        {
            var x = FiniteDifferences.RandomPoint(random, components * (N + 1), 0.1, 1);
            var g = new double[x.Length];
            gradient(x, g);
            Numeric.AssertClose(HandGradient(data, components, 1, x), g, 1e-12, $"K = {components}");
        }
    }

    [Fact]
    public void TwoFunctionsWithRowsAlternatingOnOneThreadStayExact()
    {
        // The rows are handed out in creation order from the thread's tape, like the local arrays: two gradients called
        // in turn (as a line search alternates f and its gradient) take the same cached row set, the second growing
        // it from 2 rows to 5 and the first then working in the grown set; both stay exact.
        var random = new Random(208);
        var data = RandomData(random, 4);
        var first = AD.Differentiate(Components(data, 2, passes: 1));
        var second = AD.Differentiate(Components(data, 5, passes: 1));
        var x2 = FiniteDifferences.RandomPoint(random, 2 * (N + 1), 0.1, 1);
        var x5 = FiniteDifferences.RandomPoint(random, 5 * (N + 1), 0.1, 1);
        for (var round = 0; round < 3; round++)
        {
            var g2 = new double[x2.Length];
            var g5 = new double[x5.Length];
            first(x2, g2);
            second(x5, g5);
            Numeric.AssertClose(HandGradient(data, 2, 1, x2), g2, 1e-12);
            Numeric.AssertClose(HandGradient(data, 5, 1, x5), g5, 1e-12);
        }
    }
}
