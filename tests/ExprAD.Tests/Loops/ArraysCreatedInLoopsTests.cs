using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Arrays created inside loops (<c>for (...) { var h = new double[k]; ... }</c>): created once before the outermost loop
/// and cleared where the loop created them (<c>LoopArrayHoisting</c>), when the variable is declared inside the loop and
/// the length is the same in every iteration and never negative. Each iteration must see a fresh, zeroed array:
/// the values are compared bit for bit with <c>f.Compile()</c>, which really allocates one per iteration.
/// </summary>
public class ArraysCreatedInLoopsTests
{
    private static Expression At(Expression array, Expression index) => Expression.ArrayAccess(array, index);

    private static Expression At(Expression array, int index) => At(array, I(index));

    private static ParameterExpression Array(string name) => Expression.Variable(typeof(double[]), name);

    /// <summary>
    /// for r &lt; rows: { var h = new double[hidden]; for j: h[j] = tanh(x[j] d[r, j] + x[hidden + j]); y = sum_j x[2 hidden + j] h[j];
    /// loss += (y - t_r)^2 }, with h created inside the rows loop (<paramref name="inside"/>) or before it.
    /// </summary>
    private static Expression<Func<double[], double>> HiddenLayer(double[,] data, double[] targets, int hidden, bool inside)
    {
        var h = Array("h");
        var loss = Double("loss");
        var y = Double("y");
        var create = Expression.Assign(h, Expression.NewArrayBounds(typeof(double), I(hidden)));
        var row = For("r", I(0), I(targets.Length), r => Expression.Block([.. inside ? [h] : System.Array.Empty<ParameterExpression>(), y],
        [
            .. inside ? [create] : System.Array.Empty<Expression>(),
            For("j", I(0), I(hidden), j => Expression.Assign(At(h, j),
                Tanh(Add(Mul(Xi(j), Expression.ArrayIndex(Expression.Constant(data), r, j)), Xi(Add(I(hidden), j)))))),
            Expression.Assign(y, C(0)),
            For("j", I(0), I(hidden), j => Expression.AddAssign(y, Mul(Xi(Add(I(2 * hidden), j)), At(h, j)))),
            Expression.AddAssign(loss, Square(Sub(y, Expression.ArrayIndex(Expression.Constant(targets), r)))),
        ]));
        return Lambda(Expression.Block([.. inside ? System.Array.Empty<ParameterExpression>() : [h], loss],
        [
            .. inside ? System.Array.Empty<Expression>() : [create],
            Expression.Assign(loss, C(0)),
            row,
            loss,
        ]));
    }

    [Theory]
    [InlineData(3, 5, 1)]
    [InlineData(1, 1, 2)]
    [InlineData(4, 0, 3)] // no row: the array is created, never used
    public void AHiddenLayerCreatedForEveryRowGivesTheGradientOfOneCreatedBeforeTheLoop(int hidden, int rows, int seed)
    {
        var random = new Random(seed);
        var data = new double[Math.Max(rows, 1), hidden];
        for (var r = 0; r < data.GetLength(0); r++) for (var j = 0; j < hidden; j++) data[r, j] = random.NextDouble() * 2 - 1;
        var targets = Enumerable.Range(0, rows).Select(_ => random.NextDouble()).ToArray();
        var x = FiniteDifferences.RandomPoint(random, 3 * hidden, -1, 1);
        var inside = HiddenLayer(data, targets, hidden, inside: true);
        var g = LoopCheck.Run(inside, x, seed, perCoordinate: true);
        var outside = AD.Differentiate(HiddenLayer(data, targets, hidden, inside: false));
        var expected = new double[x.Length];
        outside(x, expected);
        LoopCheck.AssertClose(expected, g, 1e-14, "the same layer created before the loop");
        AssertForwardAndHessian(inside, x, g);
    }

    [Fact]
    public void EachIterationSeesAFreshZeroedArray()
    {
        // for i: { var a = new double[3]; a[i % 3] = x[i]; s += a[0] x0 + sin(a[1]) + a[2] a[2] }: two of the three
        // elements are zero in every iteration, and must not keep an earlier iteration's value.
        var a = Array("a");
        var s = Double("s");
        var f = Lambda(Expression.Block([s],
            Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Expression.Block([a],
                Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(3))),
                Expression.Assign(At(a, Expression.Modulo(i, I(3))), Xi(i)),
                Expression.AddAssign(s, Add(Add(Mul(At(a, 0), Xi(0)), Sin(At(a, 1))), Square(At(a, 2)))))),
            s));
        double[] x = [0.4, -0.7, 1.1, 0.3, 0.9];
        // Iteration i contributes x_i x0 (i % 3 == 0), sin(x_i) (== 1) or x_i^2 (== 2).
        double[] exact = [2 * x[0] + x[3], Math.Cos(x[1]), 2 * x[2], x[0], Math.Cos(x[4])];
        var g = LoopCheck.Run(f, x, seed: 4, exact, perCoordinate: true);
        AssertForwardAndHessian(f, x, g);
    }

    [Fact]
    public void AnInitializerInANestedLoopAndALengthFromTheInput()
    {
        // for i: for j < i: { var p = new[] { x[i], x[j] }; var q = new double[x.Length + 1]; q[j] = p[0] p[1]; s += q[j] + q[x.Length] }
        var p = Array("p");
        var q = Array("q");
        var s = Double("s");
        var f = Lambda(Expression.Block([s],
            Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => For("j", I(0), i, j => Expression.Block([p, q],
                Expression.Assign(p, Expression.NewArrayInit(typeof(double), Xi(i), Xi(j))),
                Expression.Assign(q, Expression.NewArrayBounds(typeof(double), Add(Length, I(1)))),
                Expression.Assign(At(q, j), Mul(At(p, 0), At(p, 1))),
                Expression.AddAssign(s, Add(At(q, j), At(q, Length)))))),
            s));
        double[] x = [0.4, -0.7, 1.1, 0.3];
        // s = sum_{j < i} x_i x_j: ds/dx_k = sum of the other x's.
        var exact = x.Select((xk, k) => x.Sum() - xk).ToArray();
        var g = LoopCheck.Run(f, x, seed: 5, exact, perCoordinate: true);
        AssertForwardAndHessian(f, x, g);
    }

    /// <summary>
    /// for i &lt; n: if (x_i &gt; 0) S else S, with the same node S = for j &lt; 2 { var c = new double[2]; c[0] += x_j; s += c[0]^2 }
    /// in both branches (a switch whose default and a case share a body makes such a DAG): counted as one creation, hoisted
    /// once; it was refused as an array the loop could not create before it.
    /// </summary>
    [Fact]
    public void ACreationInAStatementUsedTwiceIsHoistedOnce()
    {
        var (s, c) = (Double("s"), Array("c"));
        var shared = For("j", I(0), I(2), j => Expression.Block([c],
            Expression.Assign(c, Expression.NewArrayBounds(typeof(double), I(2))),
            Expression.AddAssign(At(c, 0), Xi(j)),
            Expression.AddAssign(s, Square(At(c, 0)))));
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Expression.IfThenElse(Expression.GreaterThan(Xi(i), C(0)), shared, shared)),
            s));
        double[] x = [1.0, -2.0, 0.5];
        // Every i runs S: s = 3 (x0^2 + x1^2), ds/dx0 = 6 x0, ds/dx1 = 6 x1.
        var g = LoopCheck.Run(f, x, seed: 9, [6.0, -12.0, 0.0], perCoordinate: true);
        AssertForwardAndHessian(f, x, g);
    }

    /// <summary>
    /// A generated program whose arrays created in loops sit under switches whose default and a case share a body, nested:
    /// the hoisting pass walked the shared paths one by one, ran out of its budget and left the arrays in place (refused, in
    /// 1 of 3,000 such programs). It now rewrites each node once.
    /// </summary>
    [Fact]
    public void ArraysUnderDeeplySharedSwitchCasesAreHoisted()
    {
        var f = new LoopProgramGenerator(2001715, LoopProgramOptions.All with { OuterJumps = true, Switches = true, ArraysInLoops = true }).Program();
        var x = new[] { 0.3, -0.4, 0.8 };
        var g = LoopCheck.Run(f, x, seed: 2001715);
        AssertForwardAndHessian(f, x, g);
    }

    [Fact]
    public void ASteadyStateGradientCallAllocatesNothing()
    {
        var random = new Random(6);
        var data = new double[20, 4];
        for (var r = 0; r < 20; r++) for (var j = 0; j < 4; j++) data[r, j] = random.NextDouble();
        var gradient = AD.Differentiate(HiddenLayer(data, Enumerable.Range(0, 20).Select(_ => random.NextDouble()).ToArray(), 4, inside: true));
        var x = FiniteDifferences.RandomPoint(random, 12, -1, 1);
        var g = new double[12];
        for (var k = 0; k < 3; k++) gradient(x, g);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++) gradient(x, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ArraysWhoseLengthChangesOrThatOutliveTheIterationAreStillRefused()
    {
        // The length depends on the counter: each iteration's array is a different size.
        var a = Array("a");
        var growing = Lambda(Expression.Block(
            For("i", I(0), Length, i => Expression.Block([a],
                Expression.Assign(a, Expression.NewArrayBounds(typeof(double), Add(i, I(1)))),
                Expression.Assign(At(a, i), Xi(i)))),
            C(0)));
        Assert.Contains("before the loop", Assert.Throws<NotSupportedException>(() => AD.Differentiate(growing)).Message);
        // Declared outside the loop: the last iteration's array is still there after it.
        var outlives = Lambda(Expression.Block([a],
            Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(1))),
            For("i", I(0), Length, i => Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(1)))),
            At(a, 0)));
        Assert.Contains("before the loop", Assert.Throws<NotSupportedException>(() => AD.Differentiate(outlives)).Message);
        // A length read from a variable (it could be negative, and the loop might not run at all).
        var n = Int("n");
        var fromVariable = Lambda(Expression.Block([n],
            Expression.Assign(n, Sub(Length, I(3))),
            For("i", I(0), Length, i => Expression.Block([a],
                Expression.Assign(a, Expression.NewArrayBounds(typeof(double), n)))),
            C(0)));
        Assert.Contains("before the loop", Assert.Throws<NotSupportedException>(() => AD.Differentiate(fromVariable)).Message);
        // Read before it is created in the iteration (f.Compile() would throw NullReferenceException): not moved, so refused.
        var t = Double("t");
        var readFirst = Lambda(Expression.Block([t],
            For("i", I(0), Length, i => Expression.Block([a],
                Expression.Assign(t, Sin(At(a, 0))),
                Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(1))))),
            C(0)));
        Assert.Contains("before the loop", Assert.Throws<NotSupportedException>(() => AD.Differentiate(readFirst)).Message);
    }

    private static void AssertForwardAndHessian(Expression<Func<double[], double>> f, double[] x, double[] g)
    {
        var v = FiniteDifferences.RandomUnitDirection(new Random(x.Length), x.Length);
        Assert.Equal(g.Zip(v, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, v), 1e-12);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }
}
