using System.Linq.Expressions;
using System.Text.RegularExpressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;
using static ExprAD.Tests.Loops.LoopFunctions;

namespace ExprAD.Tests.Loops;

/// <summary>
/// The reverse of a counted loop <c>for (i = start; i &lt; end; i++)</c> counts i itself down from end - 1 to start
/// (see IrEmitter.CountedReverseLoops), at every start and end an int can hold: no overflow, no extra or missing
/// iteration, the same gradient as the hand-written reverse.
/// </summary>
public class CountedReverseLoopTests
{
    /// <summary><c>s = x[0]; for (i = start; i &lt; end; i++) s = s * x[i - start] + sin(s); return s;</c></summary>
    private static Expression<Func<double[], double>> ShiftedRecurrence(int start, int end)
    {
        var s = Double("s");
        var loop = For("i", I(start), I(end), i =>
        {
            var position = Expression.Subtract(i, I(start));
            return Expression.Assign(s, Add(Mul(s, Xi(position)), Sin(s)));
        });
        return Lambda(Expression.Block([s], Expression.Assign(s, Xi(0)), loop, s));
    }

    public static TheoryData<int, int> Bounds => new()
    {
        { 0, 3 }, { 5, 9 }, { -7, -4 }, { -2, 2 },
        { int.MinValue, int.MinValue + 3 }, // the counter's last value is int.MinValue: counting below it would wrap
        { int.MaxValue - 3, int.MaxValue }, // end - 1 and every counter value near the top
        { int.MinValue, int.MinValue + 1 }, { int.MaxValue - 1, int.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void EveryIterationIsReversedOnceAtAnyBounds(int start, int end)
    {
        var f = ShiftedRecurrence(start, end);
        var x = LoopCheck.RandomPoint(start & 0xff, end - start, 0.5, 1.0);
        LoopCheck.Run(f, x, seed: 11, handGradient: RecurrenceGradient(x), perCoordinate: true);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(6, 2)]
    [InlineData(int.MinValue, int.MinValue)]
    [InlineData(int.MaxValue, int.MinValue)]
    public void ALoopThatNeverRanIsNotReversed(int start, int end)
    {
        var (value, g) = Numeric.Evaluate(AD.Differentiate(ShiftedRecurrence(start, end)), [0.7, 0.3]);
        Assert.Equal(0.7, value);
        Assert.Equal([1.0, 0.0], g);
    }

    [Fact]
    public void TheReverseCountsTheForwardCounterDownFromItsEnd()
    {
        var printed = AD.ToCSharp(AD.GradientExpression(ShiftedRecurrence(5, 9)));
        Assert.Matches(new Regex(@"counter\w* = 9 - 1;"), printed);
        Assert.Matches(new Regex(@"if \(counter\w* == first\w*\)"), printed);
        // Not the index loop, nor start + iteration recomputed in its body.
        Assert.DoesNotMatch(new Regex(@"iteration\w* == 0"), printed);
        Assert.DoesNotMatch(new Regex(@"5 \+ iteration"), printed);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void ATriangularNestReversesEachInnerLoopFromItsOwnStart(int n)
    {
        // for (c = 0; c < n; c++) for (j = c + 1; j < n; j++) s = s * x[j] + sin(s * x[c]): the inner reverse starts at
        // a value computed in the outer one; the outer's reverse recomputes it.
        var s = Double("s");
        var nest = For("c", I(0), Length, c =>
            For("j", Expression.Add(c, I(1)), Length, j => Expression.Assign(s, Add(Mul(s, Xi(j)), Sin(Mul(s, Xi(c)))))));
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0.3)), nest, s));
        var x = LoopCheck.RandomPoint(n, n, 0.3, 0.9);
        LoopCheck.Run(f, x, seed: 12, perCoordinate: true);
        Assert.DoesNotMatch(new Regex(@"iteration\w* == 0"), AD.ToCSharp(AD.GradientExpression(f)));
    }
}
