using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>Local arrays: created in the function, written and read, in straight-line code and loops, in every mode.</summary>
public class LocalArrayTests
{
    private static readonly ParameterExpression A = Expression.Variable(typeof(double[]), "a");

    private static Expression At(Expression array, Expression index) => Expression.ArrayAccess(array, index);

    private static Expression At(Expression array, int index) => At(array, I(index));

    private static Expression Set(Expression array, int index, Expression value) => Expression.Assign(At(array, index), value);

    [Fact]
    public void OverwrittenElementsInStraightLineCodeHaveExactGradients()
    {
        // a[0] = x0 x1; a[1] = sin(a[0]); a[0] = a[1] + x2; return a[0] * a[1]
        var f = Lambda(Expression.Block([A],
            Expression.Assign(A, Expression.NewArrayBounds(typeof(double), I(2))),
            Set(A, 0, Mul(Xi(0), Xi(1))),
            Set(A, 1, Sin(At(A, 0))),
            Set(A, 0, Add(At(A, 1), Xi(2))),
            Mul(At(A, 0), At(A, 1))));
        double[] x = [0.7, -1.1, 0.4];
        var s = Math.Sin(x[0] * x[1]);
        var c = Math.Cos(x[0] * x[1]);
        // f = (s + x2) s: df/ds = 2 s + x2, ds/dx0 = c x1, ds/dx1 = c x0, df/dx2 = s.
        double[] exact = [(2 * s + x[2]) * c * x[1], (2 * s + x[2]) * c * x[0], s];
        var g = LoopCheck.Run(f, x, seed: 1);
        JacobianTests.AssertClose(exact, g, 1e-14);
        AssertForwardAgrees(f, x, g);
    }

    [Fact]
    public void ArrayInitializersAndCompoundAssignmentsWork()
    {
        // a = { x0, x1 }; a[0] *= a[1]; a[1] += 3 a[0]; return a[0] + a[1]  ==  4 x0 x1 + x1
        var f = Lambda(Expression.Block([A],
            Expression.Assign(A, Expression.NewArrayInit(typeof(double), Xi(0), Xi(1))),
            Expression.MultiplyAssign(At(A, 0), At(A, 1)),
            Expression.AddAssign(At(A, 1), Mul(C(3), At(A, 0))),
            Add(At(A, 0), At(A, 1))));
        var g = LoopCheck.Run(f, [1.5, -0.5], seed: 2);
        JacobianTests.AssertClose([4 * -0.5, 4 * 1.5 + 1], g, 1e-15);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(8, 2)]
    public void HiddenLayerFilledInOneLoopAndReadInAnotherMatchesFiniteDifferences(int hidden, int seed)
    {
        // h[j] = tanh(sum_i w[j, i] x[i]); y = sum_j v[j] h[j]; return (y - 1)^2 — a small neural network.
        const int inputs = 4;
        var random = new Random(seed);
        var w = new double[hidden, inputs];
        for (var j = 0; j < hidden; j++) for (var i = 0; i < inputs; i++) w[j, i] = random.NextDouble() - 0.5;
        var v = Enumerable.Range(0, hidden).Select(_ => random.NextDouble() - 0.5).ToArray();
        var h = Expression.Variable(typeof(double[]), "h");
        var y = Double("y");
        var s = Double("s");
        var f = Lambda(Expression.Block([h, y],
            Expression.Assign(h, Expression.NewArrayBounds(typeof(double), I(hidden))),
            For("j", I(0), I(hidden), j => Expression.Block([s],
                Expression.Assign(s, C(0)),
                For("i", I(0), Length, i => Expression.AddAssign(s, Mul(Expression.ArrayAccess(Captured(() => w), j, i), Xi(i)))),
                Expression.Assign(At(h, j), Tanh(s)))),
            Expression.Assign(y, C(0)),
            For("j", I(0), I(hidden), j => Expression.AddAssign(y, Mul(Expression.ArrayIndex(Captured(() => v), j), At(h, j)))),
            Square(Sub(y, C(1)))));
        var x = FiniteDifferences.RandomPoint(random, inputs, -1, 1);

        // Hand-written gradient.
        var hv = new double[hidden];
        for (var j = 0; j < hidden; j++) hv[j] = Math.Tanh(Enumerable.Range(0, inputs).Sum(i => w[j, i] * x[i]));
        var yv = Enumerable.Range(0, hidden).Sum(j => v[j] * hv[j]);
        var hand = new double[inputs];
        for (var j = 0; j < hidden; j++)
            for (var i = 0; i < inputs; i++)
                hand[i] += 2 * (yv - 1) * v[j] * (1 - hv[j] * hv[j]) * w[j, i];

        var g = LoopCheck.Run(f, x, seed, hand, perCoordinate: true);
        AssertForwardAgrees(f, x, g);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }

    [Fact]
    public void AccumulatingIntoAnArrayInsideALoopWorks()
    {
        // a[i % 3] += x[i]^2 over i, then sum of a[k]^2: the loop reads what it writes, but its reverse needs no read value.
        var f = Lambda(Expression.Block([A],
            Expression.Assign(A, Expression.NewArrayBounds(typeof(double), I(3))),
            For("i", I(0), Length, i => Expression.AddAssign(At(A, Expression.Modulo(i, I(3))), Square(Xi(i)))),
            Add(Add(Square(At(A, 0)), Square(At(A, 1))), Square(At(A, 2)))));
        var x = FiniteDifferences.RandomPoint(new Random(3), 7, -1, 1);
        var sums = new double[3];
        for (var i = 0; i < x.Length; i++) sums[i % 3] += x[i] * x[i];
        var hand = x.Select((xi, i) => 2 * sums[i % 3] * 2 * xi).ToArray();
        var g = LoopCheck.Run(f, x, seed: 3, hand);
        AssertForwardAgrees(f, x, g);
    }

    [Fact]
    public void ALoopThatReadsElementsItOverwritesIsExact()
    {
        // a[0] *= sin(x[i]) in a loop: the reverse needs each old a[0], which the loop overwrites (it was refused; the
        // read now goes on the tape). Exact gradient: d/dx_j prod_i sin(x_i) = cos(x_j) prod_{i != j} sin(x_i).
        var f = Lambda(Expression.Block([A],
            Expression.Assign(A, Expression.NewArrayInit(typeof(double), C(1))),
            For("i", I(0), Length, i => Expression.MultiplyAssign(At(A, 0), Sin(Xi(i)))),
            At(A, 0)));
        double[] x = [0.3, 1.2, -0.8, 2.0];
        var hand = x.Select((_, j) => Math.Cos(x[j]) * x.Where((_, i) => i != j).Aggregate(1.0, (p, xi) => p * Math.Sin(xi))).ToArray();
        var g = LoopCheck.Run(f, x, seed: 4, hand, perCoordinate: true);
        AssertForwardAgrees(f, x, g);
        HessianTests.AssertMatchesGradientDifferences(f, x);
        // The same product through a carried variable gives the same gradient.
        var p = Double("p");
        var carried = Lambda(Expression.Block([p], Expression.Assign(p, C(1)),
            For("i", I(0), Length, i => Expression.MultiplyAssign(p, Sin(Xi(i)))), p));
        LoopCheck.Run(carried, x, seed: 4, hand);
    }

    [Fact]
    public void WritesOutsideLocalArraysAndArraysCreatedInLoopsAreRefused()
    {
        var data = new double[3];
        var toInput = Assert.Throws<NotSupportedException>(() => AD.Differentiate(Lambda(Expression.Block(Expression.Assign(At(X, 0), C(1)), Xi(0)))));
        Assert.Contains("read-only", toInput.Message);
        var toCaptured = Assert.Throws<NotSupportedException>(() => AD.Differentiate(Lambda(Expression.Block(
            Expression.Assign(At(Captured(() => data), 0), Xi(0)), Xi(0)))));
        Assert.Contains("read-only", toCaptured.Message);
        var inLoop = Assert.Throws<NotSupportedException>(() => AD.Differentiate(Lambda(Expression.Block([A],
            For("i", I(0), Length, i => Expression.Assign(A, Expression.NewArrayBounds(typeof(double), I(2)))), C(0)))));
        Assert.Contains("before the loop", inLoop.Message);
        var twoDimensional = Assert.Throws<NotSupportedException>(() => AD.Differentiate(Lambda(Expression.Block(
            Expression.NewArrayBounds(typeof(double), I(2), I(2)), Xi(0)))));
        Assert.Contains("one-dimensional", twoDimensional.Message);
    }

    [Fact]
    public void AGradientExpressionCanBeDifferentiatedAgain()
    {
        // f = x0^2 x1 + sin(x1); its gradient tree, fed back: h(x) = g0(x) + 3 g1(x) where g = grad f.
        Expression<Func<double[], double>> f = x => x[0] * x[0] * x[1] + Math.Sin(x[1]);
        var gradientTree = AD.GradientExpression(f);
        var g = Expression.Variable(typeof(double[]), "g");
        var h = Lambda(Expression.Block([g],
            Expression.Assign(g, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Invoke(gradientTree, X, g),
            Add(At(g, 0), Mul(C(3), At(g, 1)))));
        double[] point = [0.8, -0.6];
        var result = LoopCheck.Run(h, point, seed: 5);
        // g0 = 2 x0 x1, g1 = x0^2 + cos x1: dh/dx0 = 2 x1 + 6 x0, dh/dx1 = 2 x0 - 3 sin x1.
        JacobianTests.AssertClose([2 * point[1] + 6 * point[0], 2 * point[0] - 3 * Math.Sin(point[1])], result, 1e-14);

        // Third order: differentiate the gradient tree of h once more (a gradient of a gradient of a gradient).
        var third = Lambda(Expression.Block([g],
            Expression.Assign(g, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Invoke(AD.GradientExpression(h), X, g),
            At(g, 1)));
        var d = LoopCheck.Run(third, point, seed: 6);
        JacobianTests.AssertClose([2.0, -3 * Math.Cos(point[1])], d, 1e-14);
    }

    [Fact]
    public void AGradientExpressionWithALoopCanBeDifferentiatedAgain()
    {
        Expression<Func<double[], double>> rosenbrock = x => Enumerable.Range(0, x.Length - 1)
            .Sum(i => 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]));
        var g = Expression.Variable(typeof(double[]), "g");
        var firstPartial = Lambda(Expression.Block([g],
            Expression.Assign(g, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Invoke(AD.GradientExpression(rosenbrock), X, g),
            At(g, 0)));
        double[] point = [-1.2, 1.0, 0.5];
        var row = LoopCheck.Run(firstPartial, point, seed: 7);
        var (_, _, hessian) = HessianTests.Evaluate(rosenbrock, point);
        JacobianTests.AssertClose([hessian[0, 0], hessian[0, 1], hessian[0, 2]], row, 1e-13);
    }

    private static void AssertForwardAgrees(Expression<Func<double[], double>> f, double[] x, double[] gradient)
    {
        var directional = AD.DirectionalDerivative(f);
        var v = FiniteDifferences.RandomUnitDirection(new Random(x.Length), x.Length);
        Assert.Equal(gradient.Zip(v, (a, b) => a * b).Sum(), directional(x, v), 1e-12);
    }
}
