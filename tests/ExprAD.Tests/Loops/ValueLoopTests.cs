using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Loops that have a value (a typed break label, left by <c>break label(v)</c>): an iteration that returns what it converged
/// to, a search that returns what it found. Lowered to a variable and a loop without a value (<c>ValueLoopLowering</c>);
/// checked bit for bit against f.Compile(), against exact or hand-written gradients and finite differences, and in forward mode.
/// </summary>
public class ValueLoopTests
{
    /// <summary>
    /// sqrt(x0) by Newton's iteration from 1, as the value of the loop, times x1: the converged iteration's derivative is
    /// that of sqrt (to rounding), 1 / (2 sqrt(x0)).
    /// </summary>
    [Fact]
    public void AnIterationReturnsWhatItConvergedTo()
    {
        var t = Double("t");
        var k = Int("k");
        var done = Expression.Label(typeof(double), "done");
        var f = Lambda(Expression.Block([t, k], Expression.Assign(t, C(1)), Expression.Assign(k, I(0)),
            Mul(Expression.Loop(Statements(
                Expression.Assign(t, Mul(C(0.5), Add(t, Div(Xi(0), t)))),
                Expression.PostIncrementAssign(k),
                Expression.IfThen(Expression.OrElse(Expression.GreaterThanOrEqual(k, I(60)),
                    Expression.LessThan(Abs(Sub(Mul(t, t), Xi(0))), C(1e-15))), Expression.Break(done, t))), done), Xi(1))));
        foreach (var x in new[] { new[] { 2.0, 3.0 }, new[] { 0.25, -1.5 }, new[] { 50.0, 0.5 } })
        {
            var g = LoopCheck.Run(f, x, 1, [x[1] / (2 * Math.Sqrt(x[0])), Math.Sqrt(x[0])], handTolerance: 1e-12);
            Numeric.AssertClose(g[0] * 0.6 + g[1] * 0.8, AD.DirectionalDerivative(f)(x, [0.6, 0.8]), 1e-13);
        }
    }

    /// <summary>
    /// x0 + the first product x_i x_j above 1 over i &lt; j, found by two loops: the inner one breaks the outer (valued) loop
    /// with the product; 0 when there is none.
    /// </summary>
    [Fact]
    public void AnInnerLoopBreaksTheOuterLoopWithAValue()
    {
        var i = Int("i");
        var outer = Expression.Label(typeof(double), "outer");
        var f = Lambda(Add(Xi(0), Expression.Block([i], Expression.Assign(i, I(0)),
            Expression.Loop(Statements(
                Expression.IfThen(Expression.GreaterThanOrEqual(i, Length), Expression.Break(outer, C(0))),
                For("j", Add(i, I(1)), Length, j =>
                    Expression.IfThen(Expression.GreaterThan(Mul(Xi(i), Xi(j)), C(1)), Expression.Break(outer, Mul(Xi(i), Xi(j))))),
                Expression.PostIncrementAssign(i)), outer))));

        static double[] Hand(double[] x)
        {
            var g = new double[x.Length];
            g[0] = 1;
            for (var i = 0; i < x.Length; i++)
                for (var j = i + 1; j < x.Length; j++)
                    if (x[i] * x[j] > 1)
                    {
                        g[i] += x[j];
                        g[j] += x[i];
                        return g;
                    }
            return g;
        }
        foreach (var (x, seed) in new[] { (new[] { 0.5, 0.9, 1.6, 0.3 }, 2), (new[] { 0.5, 0.9, 0.3 }, 3), (new[] { 2.0, 0.1, 0.7 }, 4) })
        {
            var g = LoopCheck.Run(f, x, seed, Hand(x), perCoordinate: true);
            Numeric.AssertClose(g.Zip(x, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, x), 1e-13);
        }
    }

    /// <summary>s = 0; i = 0; return loop { if (i &gt;= n) break s; s += x[i++]; }: the loop itself is the function's value (was refused).</summary>
    [Fact]
    public void ALoopThatIsTheFunctionsValue()
    {
        var (s, i) = (Double("s"), Int("i"));
        var end = Expression.Label(typeof(double), "end");
        var loop = Expression.Loop(Statements(
            Expression.IfThen(Expression.GreaterThanOrEqual(i, Length), Expression.Break(end, s)),
            Expression.AddAssign(s, Mul(Xi(Expression.PostIncrementAssign(i)), Xi(0)))), end);
        Assert.Equal(typeof(double), loop.Type);
        var f = Lambda(Expression.Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(0)), loop));
        double[] x = [1, 1.5, -2];
        // s = x0 (x0 + x1 + x2): ds/dx0 = 2 x0 + x1 + x2, ds/dxk = x0.
        LoopCheck.Run(f, x, 6, [2 + 1.5 - 2, 1, 1], perCoordinate: true);
    }

    /// <summary>A valued loop inside a sum's loop body: s += (loop computing x_i^3 by repeated multiplication).</summary>
    [Fact]
    public void AValuedLoopInsideAnotherLoopsBody()
    {
        var s = Double("s");
        var p = Double("p");
        var m = Int("m");
        var cube = Expression.Label(typeof(double), "cube");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Expression.AddAssign(s, Expression.Block([p, m],
                Expression.Assign(p, C(1)), Expression.Assign(m, I(0)),
                Expression.Loop(Statements(
                    Expression.IfThen(Expression.GreaterThanOrEqual(m, I(3)), Expression.Break(cube, p)),
                    Expression.MultiplyAssign(p, Xi(i)),
                    Expression.PostIncrementAssign(m)), cube)))),
            s));
        double[] x = [0.5, -1.25, 2.0];
        LoopCheck.Run(f, x, 5, x.Select(v => 3 * v * v).ToArray(), perCoordinate: true);
        Vector.HessianTests.AssertMatchesGradientDifferences(f, x);
    }
}
