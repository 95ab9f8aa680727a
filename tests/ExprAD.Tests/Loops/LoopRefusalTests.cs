using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Loop constructs that reverse mode does not handle are refused when the function is differentiated, with a
/// NotSupportedException that quotes the offending construct as C#.
/// </summary>
public class LoopRefusalTests
{
    private static Expression<Func<double[], double>> SumLoop(Func<ParameterExpression, ParameterExpression, LabelTarget, Expression> body)
    {
        // s = 0; for (i = 0; i < x.Length; i++) { body }; return s;
        var s = Double("s");
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0)), For("i", I(0), Length, (i, end) => body(s, i, end)), s));
    }

    private static NotSupportedException AssertRefused(Expression<Func<double[], double>> f, params string[] quoted)
    {
        var error = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Throws<NotSupportedException>(() => AD.GradientExpression(f));
        foreach (var fragment in quoted) Assert.Contains(fragment, error.Message);
        return error;
    }

    [Fact]
    public void TryCatchInTheBody()
    {
        var f = SumLoop((s, i, _) => Expression.TryCatch(
            Statements(Expression.AddAssign(s, Xi(i))),
            Expression.Catch(typeof(IndexOutOfRangeException), Expression.Empty())));
        // The quote is of the tree after lowering, where s += x[i] reads s = s + x[i].
        var error = AssertRefused(f, "try", "catch (IndexOutOfRangeException)", "x[i]");
        Assert.Contains("Try", error.Message);
    }

    [Fact]
    public void GotoToALabelInsideTheBody()
    {
        // { if (x[i] > 0) goto skip; s += x[i]; skip: }
        var skip = Expression.Label("skip");
        var f = SumLoop((s, i, _) => Statements(
            Expression.IfThen(Expression.GreaterThan(Xi(i), C(0)), Expression.Goto(skip)),
            Expression.AddAssign(s, Xi(i)),
            Expression.Label(skip)));
        AssertRefused(f, "goto skip;");
    }

    [Fact]
    public void GotoOutOfTheLoopToAnotherLabel()
    {
        // s = 0; for (...) { if (x[i] > 1) goto done; s += x[i]; } done: return s;
        var s = Double("s");
        var done = Expression.Label("done");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Statements(
                Expression.IfThen(Expression.GreaterThan(Xi(i), C(1)), Expression.Goto(done)),
                Expression.AddAssign(s, Xi(i)))),
            Expression.Label(done),
            s));
        AssertRefused(f, "goto done;");
    }

    [Fact]
    public void LoopThatNeverBreaks()
    {
        // while (true) s += x[0];   -- no break at all (the plain compiled function would never return)
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)), Expression.Loop(Expression.AddAssign(s, Xi(0))), s));
        var error = AssertRefused(f, "while (true)", "x[0]");
        Assert.Contains("never breaks", error.Message);
    }

    [Fact]
    public void LoopWithABreakLabelThatIsNeverUsed()
    {
        var s = Double("s");
        var unused = Expression.Label("unused");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)), Expression.Loop(Expression.AddAssign(s, Xi(0)), unused), s));
        AssertRefused(f, "while (true)");
    }
}
