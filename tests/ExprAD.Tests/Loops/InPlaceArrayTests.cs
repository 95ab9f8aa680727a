using System.Linq.Expressions;
using ExprAD.Benchmarks.Shared;
using ExprAD.Compilation;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Local arrays updated in place, the way simulation code is written: time steps that overwrite the state array
/// (<c>u[i] += dt * (...)</c>, using neighbours already updated in the same step or not), an elementwise map applied
/// again and again, a state kept in a two-element array, and the Jacobi form that copies a second array back. Each
/// was refused ("written again") until the reverse sweep kept what overwritten arrays held
/// (<c>ReverseSweep.OverwrittenArrays</c>: reads at the top of a loop body taped, arrays read in nested loops pushed
/// whole at each step's start). Checked against hand-written reverse-mode gradients where one is short to write,
/// and always against central differences per coordinate, forward mode, and Hessians by gradient differences.
/// </summary>
public class InPlaceArrayTests
{
    private static readonly ParameterExpression U = Expression.Variable(typeof(double[]), "u");
    private static readonly ParameterExpression V = Expression.Variable(typeof(double[]), "v");
    private static readonly ParameterExpression S = Double("s");

    private static Expression At(ParameterExpression a, Expression i) => Expression.ArrayAccess(a, i);

    private static Expression At(ParameterExpression a, int i) => Expression.ArrayAccess(a, I(i));

    /// <summary><c>u = copy of x; steps; return sum u[i]^2</c>.</summary>
    private static Expression<Func<double[], double>> OnCopyOfX(Expression steps, params ParameterExpression[] more)
        => Lambda(Expression.Block([U, S, .. more],
        [
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            .. more.Select(a => Expression.Assign(a, Expression.NewArrayBounds(typeof(double), Length))),
            For("i", I(0), Length, i => Expression.Assign(At(U, i), Xi(i))),
            steps,
            Expression.Assign(S, C(0)),
            For("i", I(0), Length, i => Expression.AddAssign(S, Square(At(U, i)))),
            S,
        ]));

    private const double Rate = InPlaceSweeps.Rate;

    // ---------------------------------------------------------------- Gauss-Seidel sweeps: u[i-1] already updated

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(5, 4, 2)]
    [InlineData(3, 1, 3)] // no interior point: the sweeps do nothing
    [InlineData(3, 2, 4)] // nor here
    [InlineData(0, 6, 5)] // no step at all
    [InlineData(20, 9, 6)]
    public void GaussSeidelSweepsInPlaceMatchTheHandWrittenGradient(int steps, int n, int seed)
    {
        // The benchmark's function (u[i] += c (u[i-1] - 2 u[i] + sin(u[i+1])) for i in 1..n-2, per sweep; then sum u^2).
        var sweeps = new InPlaceSweeps(steps);
        var x = FiniteDifferences.RandomPoint(new Random(seed), n, -1, 1);
        var hand = new double[n];
        var value = sweeps.ValueAndGradient(x, hand);
        Numeric.AssertClose(value, sweeps.Definition.Compile()(x), 1e-14, "the hand-written value");
        Numeric.AssertClose(value, sweeps.Value(x), 1e-14, "the plain C# value");
        AssertAllModes(sweeps.Definition, x, hand, seed);
    }

    // ---------------------------------------------------------------- an elementwise map applied in place

    /// <summary>for t &lt; steps: for i: u[i] = sin(u[i] x[i] + 0.3); then sum u^2.</summary>
    private static Expression<Func<double[], double>> Map(int steps) => OnCopyOfX(
        For("t", I(0), I(steps), t => For("i", I(0), Length, i => Expression.Assign(At(U, i), Sin(Add(Mul(At(U, i), Xi(i)), C(0.3)))))));

    /// <summary>Each element on its own: u_{t+1} = sin(u_t x + 0.3), du_{t+1} = cos(.) (x du_t + u_t dx).</summary>
    private static double[] MapGradient(double[] x, int steps)
        => x.Select(xi =>
        {
            double u = xi, du = 1; // forward mode along x_i: u_0 = x_i
            for (var t = 0; t < steps; t++)
            {
                var c = Math.Cos(u * xi + 0.3);
                (u, du) = (Math.Sin(u * xi + 0.3), c * (xi * du + u));
            }
            return 2 * u * du;
        }).ToArray();

    [Theory]
    [InlineData(1, 4, 11)]
    [InlineData(6, 5, 12)]
    [InlineData(3, 1, 13)]
    public void AnElementwiseMapAppliedInPlaceMatchesTheHandWrittenGradient(int steps, int n, int seed)
    {
        var x = FiniteDifferences.RandomPoint(new Random(seed), n, -1, 1);
        AssertAllModes(Map(steps), x, MapGradient(x, steps), seed);
    }

    // ---------------------------------------------------------------- a state in a small array

    /// <summary>Symplectic Euler for a pendulum, q and p in a two-element array, x = (q0, p0, k): q += h p; p -= h k sin q.</summary>
    private static Expression<Func<double[], double>> Pendulum(int steps)
    {
        const double h = 0.05;
        return Lambda(Expression.Block([U],
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), I(2))),
            Expression.Assign(At(U, 0), Xi(0)),
            Expression.Assign(At(U, 1), Xi(1)),
            For("t", I(0), I(steps), t => Statements(
                Expression.AddAssign(At(U, 0), Mul(C(h), At(U, 1))),
                Expression.SubtractAssign(At(U, 1), Mul(Mul(C(h), Xi(2)), Sin(At(U, 0)))))),
            Add(Square(At(U, 0)), Mul(C(0.5), Square(At(U, 1))))));
    }

    /// <summary>The pendulum's reverse by hand: states kept per step, adjoints of (q, p, k) carried back.</summary>
    private static double[] PendulumGradient(double[] x, int steps)
    {
        const double h = 0.05;
        var qs = new double[steps + 1];
        double q = x[0], p = x[1], k = x[2];
        for (var t = 0; t < steps; t++)
        {
            q += h * p;
            qs[t + 1] = q;
            p -= h * k * Math.Sin(q);
        }
        double qBar = 2 * q, pBar = p, kBar = 0;
        for (var t = steps - 1; t >= 0; t--)
        {
            // p_{t+1} = p_t - h k sin(q_{t+1}); q_{t+1} = q_t + h p_t.
            qBar -= pBar * h * k * Math.Cos(qs[t + 1]);
            kBar -= pBar * h * Math.Sin(qs[t + 1]);
            pBar += qBar * h;
        }
        return [qBar, pBar, kBar];
    }

    [Theory]
    [InlineData(1, 21)]
    [InlineData(40, 22)]
    public void APendulumStateInATwoElementArrayMatchesTheHandWrittenGradient(int steps, int seed)
    {
        var x = FiniteDifferences.RandomPoint(new Random(seed), 3, -1, 1);
        AssertAllModes(Pendulum(steps), x, PendulumGradient(x, steps), seed);
    }

    // ---------------------------------------------------------------- Jacobi: a second array copied back

    /// <summary>for t: { for i: v[i] = u[i] + c sin(u[(i+1) % n]) ; for i: u[i] = v[i] }: u is overwritten after the first loop read it.</summary>
    private static Expression<Func<double[], double>> JacobiCopyBack(int steps) => OnCopyOfX(
        For("t", I(0), I(steps), t => Statements(
            For("i", I(0), Length, i => Expression.Assign(At(V, i), Add(At(U, i), Mul(C(Rate), Sin(At(U, Expression.Modulo(Add(i, I(1)), Length))))))),
            For("i", I(0), Length, i => Expression.Assign(At(U, i), At(V, i))))), V);

    [Theory]
    [InlineData(1, 3, 31)]
    [InlineData(8, 5, 32)]
    public void AJacobiStepThatCopiesBackIsExact(int steps, int n, int seed)
    {
        var x = FiniteDifferences.RandomPoint(new Random(seed), n, -1, 1);
        var g = LoopCheck.Run(JacobiCopyBack(steps), x, seed, perCoordinate: true);
        AssertForwardAndSecondOrder(JacobiCopyBack(steps), x, g, seed);
    }

    // ---------------------------------------------------------------- a vector function of a state updated in place

    [Theory]
    [InlineData(2, 51)] // fewer outputs than inputs: reverse mode, one gradient per output
    [InlineData(7, 52)] // more: forward mode
    public void AVectorFunctionOfAStateUpdatedInPlaceHasTheRightJacobian(int outputs, int seed)
    {
        // u = copy of x (5 inputs); 3 sweeps u[i] = sin(u[i] x[i] + 0.3) in place; F_k = (k + 1) u[k % 5] + u[(k + 1) % 5]^2.
        const int n = 5;
        var f = Expression.Lambda<Func<double[], double[]>>(Expression.Block([U],
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            For("i", I(0), Length, i => Expression.Assign(At(U, i), Xi(i))),
            For("t", I(0), I(3), t => For("i", I(0), Length, i => Expression.Assign(At(U, i), Sin(Add(Mul(At(U, i), Xi(i)), C(0.3)))))),
            Expression.NewArrayInit(typeof(double), Enumerable.Range(0, outputs).Select(k =>
                Add(Mul(C(k + 1), At(U, k % n)), Square(At(U, (k + 1) % n)))))), X);
        var x = FiniteDifferences.RandomPoint(new Random(seed), n, -1, 1);
        AssertJacobianMatchesDifferences(f, x, outputs);
    }

    /// <summary>The Jacobian's values are the bits of f.Compile()'s, and each row matches central differences entry by entry.</summary>
    internal static void AssertJacobianMatchesDifferences(Expression<Func<double[], double[]>> f, double[] x, int outputs)
    {
        var (values, jacobian) = JacobianTests.Evaluate(f, x, outputs);
        var plain = f.Compile();
        Assert.Equal(plain(x), values);
        for (var k = 0; k < outputs; k++)
        {
            var row = FiniteDifferences.Gradient(y => plain(y)[k], x);
            for (var j = 0; j < x.Length; j++)
                Assert.True(FiniteDifferences.Agrees(row[j], jacobian[k, j]), $"J[{k},{j}] = {Numeric.R(jacobian[k, j])}, finite differences {Numeric.R(row[j])}");
        }
    }

    // ---------------------------------------------------------------- memory and allocation

    [Fact]
    public void EachStepKeepsOneCopyOfTheStateAndASteadyStateCallAllocatesNothing()
    {
        // 200 sweeps over 1,000 points: a snapshot of u per step (1.6 MB), not three reads per point per step (4.8 MB). The sweep's
        // reverse reads the restored snapshot (ReverseSweep.StartStateReplays); the bound leaves room for a few taped reads per point.
        const int steps = 200, n = 1000;
        var sweeps = new InPlaceSweeps(steps);
        var gradient = AD.Differentiate(sweeps.Definition);
        var x = FiniteDifferences.RandomPoint(new Random(41), n, -1, 1);
        var (g, capacity, allocated) = LoopTapeTests.OnFreshThread(() =>
        {
            var g = new double[n];
            gradient(x, g);
            var capacity = Tape.CachedCapacityOnThisThread;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var k = 0; k < 3; k++) gradient(x, g);
            return (g, capacity, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.InRange(capacity, steps * n * 8, 2 * (steps * n * 8 + 3 * n * 8 + 64 * 1024));
        Assert.Equal(0, allocated);
        var hand = new double[n];
        sweeps.ValueAndGradient(x, hand);
        LoopCheck.AssertClose(hand, g, 1e-9, "200 sweeps over 1,000 points vs the hand-written reverse");
    }

    // ---------------------------------------------------------------- checks

    private static void AssertAllModes(Expression<Func<double[], double>> f, double[] x, double[] hand, int seed)
    {
        var g = LoopCheck.Run(f, x, seed, hand, perCoordinate: true);
        AssertForwardAndSecondOrder(f, x, g, seed);
    }

    /// <summary>Forward mode gives g.v; the Hessian (and with it the Hessian-vector product) matches differences of the gradient.</summary>
    internal static void AssertForwardAndSecondOrder(Expression<Func<double[], double>> f, double[] x, double[] g, int seed)
    {
        var v = FiniteDifferences.RandomUnitDirection(new Random(seed + 1000), x.Length);
        var expected = FiniteDifferences.Dot(g, v);
        var actual = AD.DirectionalDerivative(f)(x, v);
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * (1 + g.Zip(v, (a, b) => Math.Abs(a * b)).Sum()),
            $"forward mode {Numeric.R(actual)} vs gradient . v {Numeric.R(expected)}");
        HessianTests.AssertMatchesGradientDifferences(f, x);
        var product = new double[x.Length];
        AD.HessianVectorProduct(f)(x, v, product);
        var (_, _, hessian) = HessianTests.Evaluate(f, x);
        for (var i = 0; i < x.Length; i++)
        {
            var hv = Enumerable.Range(0, x.Length).Sum(j => hessian[i, j] * v[j]);
            Assert.True(Math.Abs(hv - product[i]) <= 1e-10 * (1 + Math.Abs(hv)), $"(Hv)[{i}] = {Numeric.R(product[i])}, Hessian times v {Numeric.R(hv)}");
        }
    }
}
