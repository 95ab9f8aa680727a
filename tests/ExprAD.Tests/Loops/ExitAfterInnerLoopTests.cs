using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// A reduction whose iteration runs an inner loop and then may leave (<c>t = sum ...; if (c) break; s += t;</c>):
/// in the iteration that leaves, the inner loop's result reaches nothing, so it must contribute nothing to the
/// gradient (the random scratch-array programs found ExprAD adding it: the inner loop was reversed as it ran).
/// </summary>
public class ExitAfterInnerLoopTests
{
    // s = 0; for k < trips: { t = 1; for j < 2: t = inner(t, x0 + j); if (x1 > 1.5 - k) break; s += t; } return s
    // (s += t gives t the constant adjoint 1, the case where the inner loop's reverse could run as it does.)
    private static Expression<Func<double[], double>> Function(int trips, LoopShape shape, Func<Expression, Expression, Expression> inner)
    {
        var s = Double("s");
        var t = Double("t");
        return Lambda(Expression.Block([s],
            Expression.Assign(s, C(0)),
            For("k", I(0), I(trips), (k, end) => Expression.Block([t],
                Expression.Assign(t, C(1)),
                For("j", I(0), I(2), j => Expression.Assign(t, inner(t, Add(Xi(0), ToDouble(j))))),
                BreakIf(Expression.GreaterThan(Xi(1), Sub(C(1.5), ToDouble(k))), end),
                Expression.AddAssign(s, t)), shape: shape),
            s));
    }

    public static TheoryData<LoopShape, double, string> Cases()
    {
        var cases = new TheoryData<LoopShape, double, string>();
        foreach (var shape in new[] { LoopShape.BreakFirst, LoopShape.Guarded })
            foreach (var x1 in new[] { -3.0, 0.7, 2.0 }) // leaves never, in the third iteration, in the first
                foreach (var inner in new[] { "sum", "product" })
                    cases.Add(shape, x1, inner);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheIterationThatLeavesContributesNothing(LoopShape shape, double x1, string inner)
    {
        // A sum inner loop is a reduction (reversed as it runs when fused); a product one is recorded (pushes on the tape).
        Func<Expression, Expression, Expression> update = inner == "sum"
            ? (t, v) => Add(t, Sin(v))
            : (t, v) => Mul(t, Add(C(1), Mul(C(0.1), Sin(v))));
        var f = Function(4, shape, update);
        double[] x = [0.3, x1];
        var g = LoopCheck.Run(f, x, seed: 5, perCoordinate: true);
        var v = FiniteDifferences.RandomUnitDirection(new Random(5), x.Length);
        Assert.Equal(g.Zip(v, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, v), 1e-12);
    }
}
