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

    [Theory]
    [InlineData(new[] { 2.5, 1.0, 3.5, 0.2 })]
    [InlineData(new[] { 2.5, 1.0, 2.2, 0.2 })]
    [InlineData(new[] { 0.5, 1.0, 0.3 })]
    public void BreaksAndContinuesNestedInBranches(double[] x)
    {
        // for i: { if (x[i] > 2) { if (x[i] > 3) break; s += x[i]; continue; } s += sin(x[i]) * x[i]; }
        var s = Double("s");
        var i = Int("i");
        var end = Expression.Label("end");
        var next = Expression.Label("next");
        var f = Lambda(Expression.Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(-1)),
            Expression.Loop(Statements(
                Expression.PreIncrementAssign(i),
                Expression.IfThen(Expression.Not(Expression.LessThan(i, Length)), Expression.Break(end)),
                Expression.IfThen(Expression.GreaterThan(Xi(i), C(2)), Statements(
                    Expression.IfThen(Expression.GreaterThan(Xi(i), C(3)), Expression.Break(end)),
                    Expression.AddAssign(s, Square(Xi(i))),
                    Expression.Continue(next))),
                Expression.AddAssign(s, Mul(Sin(Xi(i)), Xi(i)))), end, next),
            s));
        var hand = new double[x.Length];
        for (var k = 0; k < x.Length; k++)
        {
            if (x[k] > 2)
            {
                if (x[k] > 3) break;
                hand[k] = 2 * x[k];
                continue;
            }
            hand[k] = Math.Cos(x[k]) * x[k] + Math.Sin(x[k]);
        }
        LoopCheck.Run(f, x, seed: 25, hand);
    }
}

/// <summary>Reductions: when a loop may be reversed in one pass (fused or replayed), and when it may not.</summary>
public class ReductionShapeTests
{
    [Fact]
    public void AnAccumulatorWhoseUpdatedValueFeedsAnotherSumIsNotTreatedAsAReduction()
    {
        // s += x[i]; t += tanh(s): the adjoint of s changes from one iteration to the next.
        var s = Double("s");
        var t = Double("t");
        var f = Lambda(Expression.Block([s, t], Expression.Assign(s, C(0)), Expression.Assign(t, C(0)),
            For("i", I(0), Length, i => Statements(Expression.AddAssign(s, Xi(i)), Expression.AddAssign(t, Tanh(s)))),
            t));
        double[] x = [0.3, -0.2, 0.5, 0.1];
        var hand = new double[x.Length];
        double prefix = 0;
        var sech2 = new double[x.Length];
        for (var i = 0; i < x.Length; i++) { prefix += x[i]; sech2[i] = 1 - Math.Tanh(prefix) * Math.Tanh(prefix); }
        for (var i = 0; i < x.Length; i++) for (var k = i; k < x.Length; k++) hand[i] += sech2[k];
        LoopCheck.Run(f, x, seed: 31, hand);
    }

    [Theory]
    [InlineData(3, 4)]
    [InlineData(5, 2)]
    public void NestedDotProductsInsideARecordedLoopAreTapedAndReplayed(int hidden, int inputs)
    {
        // rows: loss += (sum_j v_j tanh(sum_k w_jk x_k...))^2 : the j loop is recorded inside the fused rows loop,
        // its dot products are taped and reversed by one replay each.
        var random = new Random(hidden * 10 + inputs);
        var data = new double[6, inputs];
        for (var r = 0; r < 6; r++) for (var k = 0; k < inputs; k++) data[r, k] = random.NextDouble() - 0.5;
        int h = hidden, d = inputs;
        Expression<Func<double[], double>> f = p => Enumerable.Range(0, 6).Sum(r => Math.Pow(
            Enumerable.Range(0, h).Sum(j => p[h * d + j] * Math.Tanh(Enumerable.Range(0, d).Sum(k => p[j * d + k] * data[r, k]))) - 0.3, 2));
        var x = Enumerable.Range(0, h * d + h).Select(i => Math.Sin(i + 1.0)).ToArray();
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Contains("tape._values[tape._count++] = ", printed); // a push into room reserved before the j loop
        LoopCheck.Run(f, x, seed: 32, perCoordinate: true);
    }
}
