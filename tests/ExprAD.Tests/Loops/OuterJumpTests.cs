using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Breaks and continues of an enclosing loop written inside an inner loop (C#'s <c>goto</c> out of a nest, a search that
/// stops at the first hit): lowered to flags by <c>OuterJumpLowering</c>. Each function is checked bit for bit against
/// f.Compile(), against a gradient written by hand in C# (with the same gotos) and finite differences, and in forward mode
/// and the Hessian-vector product.
/// </summary>
public class OuterJumpTests
{
    /// <summary>Forward mode against the gradient, and the Hessian-vector product against differences of the gradient.</summary>
    private static void AssertOtherModes(Expression<Func<double[], double>> f, double[] x, double[] g)
    {
        var direction = FiniteDifferences.RandomUnitDirection(new Random(3), x.Length);
        Numeric.AssertClose(FiniteDifferences.Dot(g, direction), AD.DirectionalDerivative(f)(x, direction), 1e-12, "forward mode");
        var gradient = AD.Differentiate(f);
        const double h = 1e-6;
        double[] GradientAt(double t)
        {
            var gt = new double[x.Length];
            gradient(FiniteDifferences.Offset(x, direction, t), gt);
            return gt;
        }
        var (plus, minus) = (GradientAt(h), GradientAt(-h));
        var product = new double[x.Length];
        AD.HessianVectorProduct(f)(x, direction, product);
        for (var k = 0; k < x.Length; k++)
            Assert.True(Math.Abs((plus[k] - minus[k]) / (2 * h) - product[k]) <= 1e-6 * (1 + Math.Abs(product[k])), $"Hv[{k}] = {product[k]}");
    }

    /// <summary>s = 0; for i &lt; n { for j &lt; n { if (x_i x_j &gt; 1.5) goto done; s += x_i x_j; } s += 0.5 x_i; } done: return s.</summary>
    [Fact]
    public void AnInnerLoopBreaksTheOuterLoop()
    {
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, (i, outerEnd) => Statements(
                For("j", I(0), Length, j => Statements(
                    Expression.IfThen(Expression.GreaterThan(Mul(Xi(i), Xi(j)), C(1.5)), Expression.Break(outerEnd)),
                    Expression.AddAssign(s, Mul(Xi(i), Xi(j))))),
                Expression.AddAssign(s, Mul(C(0.5), Xi(i))))),
            s));
        double[] x = [0.5, 1.2, -0.3, 1.4, 0.9]; // stops at i = 1, j = 3 (1.68)

        static double[] Hand(double[] x)
        {
            var g = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                for (var j = 0; j < x.Length; j++)
                {
                    if (x[i] * x[j] > 1.5) goto done;
                    g[i] += x[j];
                    g[j] += x[i];
                }
                g[i] += 0.5;
            }
        done:
            return g;
        }
        var g = LoopCheck.Run(f, x, 1, Hand(x), perCoordinate: true);
        AssertOtherModes(f, x, g);
        // No pair above the threshold: both loops run to the end.
        double[] small = [0.5, 0.2, -0.3];
        LoopCheck.Run(f, small, 2, Hand(small), perCoordinate: true);
    }

    /// <summary>
    /// s = 0; for i &lt; n (advancing first) { for j &lt; n { if (x_j &gt; x_i + 0.5) continue outer; s += x_i x_j; } s += sin(x_i); }:
    /// rows with a large element skip the rest of the outer body.
    /// </summary>
    [Fact]
    public void AnInnerLoopContinuesTheOuterLoop()
    {
        var s = Double("s");
        var i = Int("i");
        var end = Expression.Label("end_i");
        var next = Expression.Label("next_i");
        var f = Lambda(Expression.Block([s, i], Expression.Assign(s, C(0)),
            AdvanceFirst(i, Length, end, next, Statements(
                For("j", I(0), Length, j => Statements(
                    Expression.IfThen(Expression.GreaterThan(Xi(j), Add(Xi(i), C(0.5))), Expression.Continue(next)),
                    Expression.AddAssign(s, Mul(Xi(i), Xi(j))))),
                Expression.AddAssign(s, Sin(Xi(i))))),
            s));
        double[] x = [0.5, 1.2, -0.3, 0.8, 0.9];

        static double[] Hand(double[] x)
        {
            var g = new double[x.Length];
            for (var i = 0; i < x.Length; i++)
            {
                for (var j = 0; j < x.Length; j++)
                {
                    if (x[j] > x[i] + 0.5) goto next;
                    g[i] += x[j];
                    g[j] += x[i];
                }
                g[i] += Math.Cos(x[i]);
            next:;
            }
            return g;
        }
        var g = LoopCheck.Run(f, x, 3, Hand(x), perCoordinate: true);
        AssertOtherModes(f, x, g);
    }

    /// <summary>
    /// Three loops: the innermost breaks the outermost (<c>x_k x_j &lt; -1</c>) and continues the middle one (<c>x_k &gt; x_i + 0.3</c>);
    /// after the innermost loop the middle body writes a local array, read after the loops.
    /// </summary>
    [Fact]
    public void TheInnermostOfThreeLoopsBreaksTheOutermostAndContinuesTheMiddleOne()
    {
        var s = Double("s");
        var a = Expression.Variable(typeof(double[]), "a");
        var j = Int("j");
        var jEnd = Expression.Label("end_j");
        var jNext = Expression.Label("next_j");
        var f = Lambda(Expression.Block([s, a, j], Expression.Assign(s, C(0)),
            Expression.Assign(a, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, (i, iEnd) => AdvanceFirst(j, Length, jEnd, jNext, Statements(
                For("k", I(0), Length, k => Statements(
                    Expression.IfThen(Expression.LessThan(Mul(Xi(k), Xi(j)), C(-1)), Expression.Break(iEnd)),
                    Expression.IfThen(Expression.GreaterThan(Xi(k), Add(Xi(i), C(0.3))), Expression.Continue(jNext)),
                    Expression.AddAssign(s, Mul(Mul(Xi(i), Xi(j)), Xi(k))))),
                Expression.AddAssign(Expression.ArrayAccess(a, j), Sin(Mul(Xi(i), Xi(j))))))),
            For("m", I(0), Length, m => Expression.AddAssign(s, Square(Expression.ArrayAccess(a, m)))),
            s));

        static double[] Hand(double[] x)
        {
            var n = x.Length;
            var g = new double[n];
            var a = new double[n];
            var terms = new List<(int I, int J)>(); // a[j] += sin(x_i x_j), in order
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    for (var k = 0; k < n; k++)
                    {
                        if (x[k] * x[j] < -1) goto done;
                        if (x[k] > x[i] + 0.3) goto nextJ;
                        g[i] += x[j] * x[k];
                        g[j] += x[i] * x[k];
                        g[k] += x[i] * x[j];
                    }
                    a[j] += Math.Sin(x[i] * x[j]);
                    terms.Add((i, j));
                nextJ:;
                }
            }
        done:
            foreach (var (i, j) in terms)
            {
                // d(sum_m a_m^2) = 2 a_j d(a_j), d(sin(x_i x_j)) = cos(x_i x_j) (x_j dx_i + x_i dx_j).
                var c = 2 * a[j] * Math.Cos(x[i] * x[j]);
                g[i] += c * x[j];
                g[j] += c * x[i];
            }
            return g;
        }

        // Some rows continued, then a break of everything at i = 2.
        foreach (var (x, seed) in new[] { (new[] { 0.4, 1.1, -0.2, 0.7 }, 4), (new[] { 0.9, 0.8, 1.6, -0.95, 0.3 }, 5), (new[] { 0.1, 0.2 }, 6) })
        {
            var g = LoopCheck.Run(f, x, seed, Hand(x), perCoordinate: true);
            AssertOtherModes(f, x, g);
        }
    }

    /// <summary>A while loop iterating to convergence, whose inner loop over the data stops everything at the first term above 2.</summary>
    [Fact]
    public void AnInnerLoopStopsAnIterationToConvergence()
    {
        // s = 0; t = 0; while (t < 50) { for j < n { term = x_j exp(-t / 10); if (term > 2) goto done; s += term; } t++; } done: return s.
        var s = Double("s");
        var t = Int("t");
        var term = Double("term");
        var f = Lambda(Expression.Block([s, t], Expression.Assign(s, C(0)), Expression.Assign(t, I(0)),
            Loop(done => Expression.IfThenElse(Expression.LessThan(t, I(50)), Statements(
                For("j", I(0), Length, j => Expression.Block([term],
                    Expression.Assign(term, Mul(Xi(j), Exp(Div(ToDouble(t), C(-10))))),
                    Expression.IfThen(Expression.GreaterThan(term, C(2)), Expression.Break(done)),
                    Expression.AddAssign(s, Mul(term, term)))),
                Expression.PreIncrementAssign(t)), Expression.Break(done))),
            s));
        foreach (var x in new[] { new[] { 0.5, 1.5, 0.25 }, new[] { 0.5, 2.5, 0.25 } })
        {
            static double[] Hand(double[] x)
            {
                var g = new double[x.Length];
                for (var t = 0; t < 50; t++)
                    for (var j = 0; j < x.Length; j++)
                    {
                        var e = Math.Exp(t / -10.0);
                        if (x[j] * e > 2) return g;
                        g[j] += 2 * x[j] * e * e;
                    }
                return g;
            }
            var g = LoopCheck.Run(f, x, 7, Hand(x), perCoordinate: true);
            AssertOtherModes(f, x, g);
        }
    }
}
