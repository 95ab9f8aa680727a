using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary><c>return</c> (a goto to the label ending the lambda body) from loops, nested loops, branches and inlined lambdas.</summary>
public class ReturnTests
{
    private static readonly LabelTarget Return = Expression.Label(typeof(double), "return");

    private static Expression ReturnLabel(Expression fallThrough) => Expression.Label(Return, fallThrough);

    [Theory]
    [InlineData(new[] { 0.5, 0.7, 1.5, 0.2 })]
    [InlineData(new[] { 0.5, 0.7, 0.9, 0.2 })]
    [InlineData(new[] { 1.2, 0.7 })]
    public void ReturnFromInsideALoop(double[] x)
    {
        // s = 0; for i: { if (x[i] > 1) return s * x[i]^2; s += sin(x[i]); } return-label: s + 1
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Statements(
                Expression.IfThen(Expression.GreaterThan(Xi(i), C(1)), Expression.Return(Return, Add(s, Square(Xi(i))))),
                Expression.AddAssign(s, Sin(Xi(i))))),
            ReturnLabel(Add(s, C(1)))));
        var hand = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] > 1)
            {
                hand[i] = 2 * x[i];
                break;
            }
            hand[i] = Math.Cos(x[i]);
        }
        LoopCheck.Run(f, x, seed: 21, hand);
        Assert.Equal(f.Compile()(x), AD.Compile(f)(x));
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.2, 0.3 }, 0.5)]
    [InlineData(new[] { 0.4, 0.6, 0.9 }, 0.5)]
    public void ReturnFromANestedLoopLeavesBothLoops(double[] x, double threshold)
    {
        // for i: for j: { p = x[i] * x[j]; if (p > t) return exp(p); s += p; }  return-label: s
        var s = Double("s");
        var p = Double("p");
        var f = Lambda(Expression.Block([s, p], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i =>
                For("j", I(0), Length, j => Statements(
                    Expression.Assign(p, Mul(Xi(i), Xi(j))),
                    Expression.IfThen(Expression.GreaterThan(p, C(threshold)), Expression.Return(Return, Exp(p))),
                    Expression.AddAssign(s, p)))),
            ReturnLabel(s)));
        LoopCheck.Run(f, x, seed: 22, perCoordinate: true);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(-0.5)]
    public void ReturnFromABranchOutsideLoopsSkipsTheRest(double x0)
    {
        // if (x0 > 0) return sin(x0) * x1; t = x0 * x1; return-label: t * t
        var t = Double("t");
        var f = Lambda(Expression.Block([t],
            Expression.IfThen(Expression.GreaterThan(Xi(0), C(0)), Expression.Return(Return, Mul(Sin(Xi(0)), Xi(1)))),
            Expression.Assign(t, Mul(Xi(0), Xi(1))),
            ReturnLabel(Mul(t, t))));
        double[] x = [x0, 1.3];
        var hand = x0 > 0 ? new[] { Math.Cos(x0) * 1.3, Math.Sin(x0) } : new[] { 2 * x0 * 1.3 * 1.3, 2 * x0 * x0 * 1.3 };
        LoopCheck.Run(f, x, seed: 23, hand);
    }

    [Fact]
    public void AnInlinedLambdaReturnsToItsOwnLabel()
    {
        // inner(v) = { if (v < 0) return -v; return-label: v * v };  f = inner(x0) + inner(x1)
        var v = Expression.Parameter(typeof(double), "v");
        var inner = Expression.Lambda<Func<double, double>>(Expression.Block(
            Expression.IfThen(Expression.LessThan(v, C(0)), Expression.Return(Return, Expression.Negate(v))),
            ReturnLabel(Mul(v, v))), v);
        var f = Lambda(Add(Expression.Invoke(inner, Xi(0)), Expression.Invoke(inner, Xi(1))));
        LoopCheck.Run(f, [-0.7, 0.4], seed: 24, [-1.0, 0.8]);
    }

    [Fact]
    public void AReturnInsideAValueIsRefused()
    {
        // 1 + (x0 > 0 ? return 2 : 3): a jump out of the middle of an expression.
        var f = Lambda(Expression.Block(
            Add(C(1), Expression.Condition(Expression.GreaterThan(Xi(0), C(0)), Expression.Return(Return, C(2), typeof(double)), C(3))),
            ReturnLabel(C(0))));
        Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
    }
}
