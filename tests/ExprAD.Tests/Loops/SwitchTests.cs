using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// <c>Expression.Switch</c> (a piecewise definition by cases, a switch statement in a loop with breaks and continues in
/// its cases): lowered to conditionals, so it differentiates like them. Values bit for bit against f.Compile(), gradients
/// against hand-written ones and finite differences, forward mode against reverse.
/// </summary>
public class SwitchTests
{
    private static Expression Floor(Expression a) => Expression.Call(typeof(Math).GetMethod(nameof(Math.Floor), [typeof(double)])!, a);

    /// <summary>
    /// switch ((int)floor(x0)) { case 0: x1^2; case 1: case 2: sin(x1) x0; default: x0 - 3 x1 }: the value is computed once,
    /// the cases tested in order, the default taken when none matches.
    /// </summary>
    [Fact]
    public void APiecewiseDefinitionByCases()
    {
        var f = Lambda(Expression.Switch(
            Expression.Convert(Floor(Xi(0)), typeof(int)),
            Sub(Xi(0), Mul(C(3), Xi(1))),
            Expression.SwitchCase(Square(Xi(1)), I(0)),
            Expression.SwitchCase(Mul(Sin(Xi(1)), Xi(0)), I(1), I(2))));
        var gradient = AD.Differentiate(f);
        foreach (var (x, expected) in new (double[], double[])[]
                 {
                     ([0.5, 0.7], [0, 1.4]),
                     ([1.5, 0.7], [Math.Sin(0.7), Math.Cos(0.7) * 1.5]),
                     ([2.25, -0.4], [Math.Sin(-0.4), Math.Cos(-0.4) * 2.25]),
                     ([3.5, 0.7], [1, -3]),
                     ([-0.5, 0.7], [1, -3]),
                 })
        {
            var (value, g) = Numeric.Evaluate(gradient, x);
            Numeric.AssertSameBits(f.Compile()(x), value, $"value at {x[0]}");
            Numeric.AssertSameBits(f.Compile()(x), AD.Compile(f)(x), $"AD.Compile at {x[0]}");
            Numeric.AssertClose(expected, g, 1e-15, $"gradient at {x[0]}");
            Numeric.AssertClose(expected[0] * 0.6 - expected[1] * 0.8, AD.DirectionalDerivative(f)(x, [0.6, -0.8]), 1e-15, "forward mode");
        }
    }

    /// <summary>
    /// s = 0; for i &lt; n { switch (i % 3) { case 0: if (x_i &gt; 2) break loop; s += x_i^2; case 1: continue; default: s *= cos(x_i); } s += 0.1 x_i; }
    /// </summary>
    [Fact]
    public void ASwitchStatementInALoopWithBreaksAndContinuesInItsCases()
    {
        var s = Double("s");
        var i = Int("i");
        var end = Expression.Label("end");
        var next = Expression.Label("next");
        var f = Lambda(Expression.Block([s, i], Expression.Assign(s, C(0)),
            AdvanceFirst(i, Length, end, next, Statements(
                Expression.Switch(typeof(void), Expression.Modulo(i, I(3)),
                    Expression.MultiplyAssign(s, Cos(Xi(i))), null,
                    Expression.SwitchCase(Statements(
                        Expression.IfThen(Expression.GreaterThan(Xi(i), C(2)), Expression.Break(end)),
                        Expression.AddAssign(s, Square(Xi(i)))), I(0)),
                    Expression.SwitchCase(Expression.Continue(next), I(1))),
                Expression.AddAssign(s, Mul(C(0.1), Xi(i))))),
            s));

        static double[] Hand(double[] x)
        {
            // Forward, recording what each iteration did, then the reverse by hand.
            var kinds = new List<(int I, int Kind)>();
            for (var i = 0; i < x.Length; i++)
            {
                var kind = i % 3;
                if (kind == 0 && x[i] > 2) break;
                kinds.Add((i, kind));
            }
            var g = new double[x.Length];
            var sBar = 1.0;
            for (var k = kinds.Count - 1; k >= 0; k--)
            {
                var (i, kind) = kinds[k];
                if (kind == 1) continue;
                g[i] += 0.1 * sBar;
                if (kind == 0) g[i] += 2 * x[i] * sBar;
                else
                {
                    // s = s_before * cos(x_i): needs s_before, recomputed forward.
                    var before = 0.0;
                    for (var q = 0; q < k; q++)
                    {
                        var (j, kj) = kinds[q];
                        if (kj == 1) continue;
                        before = kj == 0 ? before + x[j] * x[j] : before * Math.Cos(x[j]);
                        before += 0.1 * x[j];
                    }
                    g[i] += -before * Math.Sin(x[i]) * sBar;
                    sBar *= Math.Cos(x[i]);
                }
            }
            return g;
        }
        foreach (var (x, seed) in new[] { (new[] { 0.5, 1.2, -0.3, 0.8, 0.9, 1.1, 0.4 }, 1), (new[] { 0.5, 1.2, -0.3, 2.8, 0.9 }, 2), (new[] { 3.0, 1.0 }, 3) })
            LoopCheck.Run(f, x, seed, Hand(x), perCoordinate: true);
    }

    public static bool SameParity(int a, int b) => (a - b) % 2 == 0;

    /// <summary>A switch with its own comparison method (here: same parity), called for each test value in order.</summary>
    [Fact]
    public void ASwitchWithAComparisonMethod()
    {
        var f = Lambda(Expression.Switch(typeof(double),
            Expression.Convert(Floor(Xi(0)), typeof(int)),
            Mul(Xi(1), Xi(1)),
            typeof(SwitchTests).GetMethod(nameof(SameParity)),
            Expression.SwitchCase(Mul(Xi(0), Xi(1)), I(0))));
        var gradient = AD.Differentiate(f);
        Assert.Equal([0.7, 4.5], Numeric.Evaluate(gradient, 4.5, 0.7).Gradient);   // even: x0 x1
        Assert.Equal([0, 1.4], Numeric.Evaluate(gradient, 3.5, 0.7).Gradient);     // odd: default x1^2
        Assert.Equal(f.Compile()([4.5, 0.7]), AD.Compile(f)([4.5, 0.7]));
    }
}
