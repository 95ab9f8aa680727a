using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Loop bodies built as DAGs: one node object used in two places at each of 60 levels (<c>e = e - 0.01 e</c>, 2^60 paths
/// to the leaf), as code that builds trees programmatically produces. The translator's loop passes (the variables a body
/// assigns, the labels it jumps to, its inner loops) walked such bodies path by path and never finished; they now look at
/// each node once (<c>DistinctNodeFinder</c>). Exact gradients, Hessians and Hessian-vector products in every mode, each
/// case on a thread of its own with a time limit so that a regression fails instead of hanging the suite. The functions are
/// not compiled with <c>Expression.Compile()</c>, which also walks every path: the reference values are written in C#.
/// </summary>
public class SharedLoopBodyTests
{
    private const int Depth = 60;

    /// <summary>0.99^60, the factor <see cref="Shared"/> multiplies its leaf by.</summary>
    private static readonly double Factor = Math.Pow(0.99, Depth);

    private static readonly double[] Point = [0.7, -1.3, 2.1, 0.4];

    /// <summary>leaf - 0.01 leaf, repeated <see cref="Depth"/> times, each level using the one below twice.</summary>
    private static Expression Shared(Expression leaf)
    {
        var e = leaf;
        for (var k = 0; k < Depth; k++) e = Sub(e, Mul(C(0.01), e));
        return e;
    }

    [Fact]
    public void ASumWhoseTermIsADagHasItsExactGradient()
    {
        // s = sum_i c x_i.
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Expression.AddAssign(s, Shared(Xi(i)))), s));
        AssertEveryMode(f, x => Factor * x.Sum(), x => x.Select(_ => Factor).ToArray(), x => new double[x.Length, x.Length]);
    }

    [Fact]
    public void ARecurrenceThroughADagHasItsExactGradient()
    {
        // s_{i+1} = c s_i x_i from s_0 = 0.5: s = 0.5 c^n prod x.
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0.5)),
            For("i", I(0), Length, i => Expression.Assign(s, Shared(Mul(s, Xi(i))))), s));
        double Value(double[] x) => 0.5 * Math.Pow(Factor, x.Length) * x.Aggregate(1.0, (p, v) => p * v);
        AssertEveryMode(f, Value,
            x => x.Select((_, k) => 0.5 * Math.Pow(Factor, x.Length) * Product(x, k)).ToArray(),
            x =>
            {
                var h = new double[x.Length, x.Length];
                for (var a = 0; a < x.Length; a++)
                    for (var b = 0; b < x.Length; b++)
                        h[a, b] = a == b ? 0 : 0.5 * Math.Pow(Factor, x.Length) * Product(x, a, b);
                return h;
            });
    }

    [Fact]
    public void NestedLoopsWithALocalArrayAndDagsHaveTheExactGradient()
    {
        // a_i = c x_i; s = sum_i sum_{j <= i} c a_j x_i = c^2 sum_{j <= i} x_j x_i. The inner bound is Expression.Increment(i).
        var s = Double("s");
        var a = Expression.Variable(typeof(double[]), "a");
        var f = Lambda(Expression.Block([s, a], Expression.Assign(s, C(0)),
            Expression.Assign(a, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Statements(
                Expression.Assign(Expression.ArrayAccess(a, i), Shared(Xi(i))),
                For("j", I(0), Expression.Increment(i), j => Expression.AddAssign(s, Shared(Mul(Expression.ArrayAccess(a, j), Xi(i))))))),
            s));
        var c2 = Factor * Factor;
        AssertEveryMode(f,
            x => c2 * Enumerable.Range(0, x.Length).Sum(i => Enumerable.Range(0, i + 1).Sum(j => x[j] * x[i])),
            x => x.Select((xi, k) => c2 * (x.Sum() + xi)).ToArray(),
            x =>
            {
                var h = new double[x.Length, x.Length];
                for (var p = 0; p < x.Length; p++)
                    for (var q = 0; q < x.Length; q++)
                        h[p, q] = p == q ? 2 * c2 : c2;
                return h;
            });
    }

    [Fact]
    public void ABranchAndABreakBetweenDagsHaveTheExactGradient()
    {
        // t = c x_i; s += c t if t > 0.5 else s -= c t^2; stop after an element beyond 2.
        var s = Double("s");
        var t = Double("t");
        var f = Lambda(Expression.Block([s, t], Expression.Assign(s, C(0)),
            For("i", I(0), Length, (i, done) => Statements(
                Expression.Assign(t, Shared(Xi(i))),
                Expression.IfThenElse(Expression.GreaterThan(t, C(0.5)),
                    Expression.Assign(s, Add(s, Shared(t))),
                    Expression.SubtractAssign(s, Shared(Mul(t, t)))),
                BreakIf(Expression.GreaterThan(Xi(i), C(2)), done))),
            s));
        int Stop(double[] x) => Math.Min(x.Length, Array.FindIndex(x, v => v > 2) is var k and >= 0 ? k + 1 : x.Length);
        double Term(double v) => Factor * v > 0.5 ? Factor * Factor * v : -Factor * Factor * Factor * v * v;
        double Slope(double v) => Factor * v > 0.5 ? Factor * Factor : -2 * Factor * Factor * Factor * v;
        AssertEveryMode(f,
            x => x.Take(Stop(x)).Sum(Term),
            x => x.Select((v, k) => k < Stop(x) ? Slope(v) : 0).ToArray(),
            x =>
            {
                var h = new double[x.Length, x.Length];
                for (var k = 0; k < Stop(x); k++) h[k, k] = Factor * x[k] > 0.5 ? 0 : -2 * Factor * Factor * Factor;
                return h;
            });
    }

    [Fact]
    public void IncrementAndDecrementNodesAreSumsAndDifferences()
    {
        // Expression.Increment / Decrement compute e + 1 and e - 1 without assigning: on a double, derivative 1.
        var f = Lambda(Mul(Expression.Increment(Xi(0)), Expression.Decrement(Xi(1))));
        var x = new[] { 0.3, 2.5 };
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), x);
        Assert.Equal(1.3 * 1.5, value);
        Assert.Equal([1.5, 1.3], g);
        Assert.Equal(1.3 * 1.5, AD.Compile(f)(x));
        Assert.Equal(1.5 * 0.25 + 1.3 * -2, AD.DirectionalDerivative(f)(x, [0.25, -2]), 1e-15);
    }

    private static double Product(double[] x, params int[] skip)
        => x.Where((_, k) => !skip.Contains(k)).Aggregate(1.0, (p, v) => p * v);

    /// <summary>Value (AD.Compile and the gradient's), gradient, directional derivative, Hessian and Hessian-vector products against closed forms.</summary>
    private static void AssertEveryMode(Expression<Func<double[], double>> f, Func<double[], double> value,
        Func<double[], double[]> gradient, Func<double[], double[,]> hessian)
        => WithinTimeLimit(() =>
        {
            var x = Point;
            var (v, g) = Numeric.Evaluate(AD.Differentiate(f), (double[])x.Clone());
            Numeric.AssertClose(value(x), v, 1e-13, "value");
            Numeric.AssertClose(value(x), AD.Compile(f)(x), 1e-13, "AD.Compile");
            Numeric.AssertClose(gradient(x), g, 1e-13, "gradient");
            var direction = FiniteDifferences.RandomUnitDirection(new Random(7), x.Length);
            Numeric.AssertClose(g.Zip(direction, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, direction), 1e-13, "forward mode");
            var h = new double[x.Length, x.Length];
            AD.Hessian(f)(x, new double[x.Length], h);
            var expected = hessian(x);
            var product = AD.HessianVectorProduct(f);
            for (var k = 0; k < x.Length; k++)
            {
                var column = new double[x.Length];
                product(x, Enumerable.Range(0, x.Length).Select(q => q == k ? 1.0 : 0).ToArray(), column);
                for (var r = 0; r < x.Length; r++)
                {
                    Numeric.AssertClose(expected[r, k], h[r, k], 1e-13, $"Hessian [{r}, {k}]");
                    Numeric.AssertClose(expected[r, k], column[r], 1e-13, $"Hessian-vector product [{r}, {k}]");
                }
            }
        });

    /// <summary>Runs on a thread of its own: a walk of 2^60 paths never ends, and the test then fails after a minute instead of hanging.</summary>
    private static void WithinTimeLimit(Action check)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { check(); }
            catch (Exception e) { failure = e; }
        }, 64 * 1024 * 1024) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromMinutes(1)), "differentiating a loop body that shares its nodes did not finish within a minute");
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }
}
