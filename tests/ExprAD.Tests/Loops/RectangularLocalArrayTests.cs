using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Local rectangular arrays (<c>new double[n, m]</c>: a grid, a matrix), which ExprAD flattens to one-dimensional arrays in
/// row-major order (<c>RectangularArrays</c>). Values bit for bit against <c>f.Compile()</c>, which runs real rectangular
/// arrays; gradients against the same function written with a one-dimensional array, finite differences, forward mode and
/// the Hessian; indices out of range still throw.
/// </summary>
public class RectangularLocalArrayTests
{
    private static readonly ParameterExpression Grid = Expression.Variable(typeof(double[,]), "grid");
    private static readonly ParameterExpression Flat = Expression.Variable(typeof(double[]), "flat");

    private static Expression At2(Expression i, Expression j) => Expression.ArrayAccess(Grid, i, j);

    /// <summary>
    /// u = x as a rows-by-columns grid; steps sweeps over its interior, in place:
    /// u[i, j] += 0.1 (u[i-1, j] + u[i+1, j] + u[i, j-1] + sin(u[i, j+1]) - 4 u[i, j]); then sum u^2. As a rectangular
    /// array, or (<paramref name="flat"/>) as a one-dimensional one indexed i columns + j.
    /// </summary>
    private static Expression<Func<double[], double>> HeatGrid(int rows, int columns, int steps, bool flat)
    {
        Expression U(Expression i, Expression j) => flat ? Expression.ArrayAccess(Flat, Add(Mul(i, I(columns)), j)) : At2(i, j);
        var s = Double("s");
        var array = flat ? Flat : Grid;
        return Lambda(Expression.Block([array, s],
            Expression.Assign(array, flat
                ? Expression.NewArrayBounds(typeof(double), I(rows * columns))
                : Expression.NewArrayBounds(typeof(double), I(rows), I(columns))),
            For("i", I(0), I(rows), i => For("j", I(0), I(columns), j => Expression.Assign(U(i, j), Xi(Add(Mul(i, I(columns)), j))))),
            For("t", I(0), I(steps), t => For("i", I(1), I(rows - 1), i => For("j", I(1), I(columns - 1), j =>
                Expression.AddAssign(U(i, j), Mul(C(0.1), Sub(
                    Add(Add(Add(U(Sub(i, I(1)), j), U(Add(i, I(1)), j)), U(i, Sub(j, I(1)))), Sin(U(i, Add(j, I(1))))),
                    Mul(C(4), U(i, j)))))))),
            Expression.Assign(s, C(0)),
            For("i", I(0), I(rows), i => For("j", I(0), I(columns), j => Expression.AddAssign(s, Square(U(i, j))))),
            s));
    }

    [Theory]
    [InlineData(3, 4, 2, 1)]
    [InlineData(4, 4, 5, 2)]
    [InlineData(2, 3, 3, 3)] // no interior row
    public void AGridUpdatedInPlaceHasTheGradientOfItsOneDimensionalForm(int rows, int columns, int steps, int seed)
    {
        var f = HeatGrid(rows, columns, steps, flat: false);
        var x = FiniteDifferences.RandomPoint(new Random(seed), rows * columns, -1, 1);
        var g = LoopCheck.Run(f, x, seed, perCoordinate: true);
        var expected = new double[x.Length];
        AD.Differentiate(HeatGrid(rows, columns, steps, flat: true))(x, expected);
        LoopCheck.AssertClose(expected, g, 1e-14, "the one-dimensional form");
        AssertForwardAndHessian(f, x, g);
    }

    [Fact]
    public void AMatrixBuiltInTheFunctionWithItsDimensionsReadBack()
    {
        // A[i, j] = sin(x_i x_j + j) for an n-by-(n+1) matrix; s = sum_{i, j < n} x_i A[i, j] x_j + A.Length + A.Rank
        //   + A[GetLength(0) - 1, GetLength(1) - 1]: dimensions from x.Length, read back through GetLength, Length and Rank.
        var s = Double("s");
        var f = Lambda(Expression.Block([Grid, s],
            Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), Length, Add(Length, I(1)))),
            For("i", I(0), Length, i => For("j", I(0), Add(Length, I(1)), j =>
                Expression.Assign(At2(i, j), Sin(Add(Mul(Xi(i), Xi(Expression.Modulo(j, Length))), ToDouble(j)))))),
            Expression.Assign(s, ToDouble(Add(Expression.Property(Grid, nameof(Array.Length)), Expression.Property(Grid, nameof(Array.Rank))))),
            For("i", I(0), Length, i => For("j", I(0), Length, j =>
                Expression.AddAssign(s, Mul(Mul(Xi(i), Expression.ArrayIndex(Grid, i, j)), Xi(j))))),
            Expression.AddAssign(s, At2(Sub(Expression.Call(Grid, nameof(Array.GetLength), null, I(0)), I(1)),
                Sub(Expression.Call(Grid, nameof(Array.GetLength), null, I(1)), I(1)))),
            s));
        var x = FiniteDifferences.RandomPoint(new Random(4), 3, -1, 1);
        var g = LoopCheck.Run(f, x, seed: 4, perCoordinate: true);
        AssertForwardAndHessian(f, x, g);
    }

    [Fact]
    public void AColumnOutOfRangeStillThrows()
    {
        // grid = new double[2, x.Length]; return grid[0, x.Length]: one past the last column, which the flat array holds
        // (it is grid[1, 0]); it must throw, as the rectangular array does.
        var f = Lambda(Expression.Block([Grid],
            Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), I(2), Length)),
            Expression.Assign(At2(I(1), I(0)), Xi(0)),
            Mul(At2(I(0), Length), Xi(0))));
        double[] x = [0.5, 0.25];
        Assert.Throws<IndexOutOfRangeException>(() => f.Compile()(x));
        Assert.Throws<IndexOutOfRangeException>(() => AD.Compile(f)(x));
        Assert.Throws<IndexOutOfRangeException>(() => AD.Differentiate(f)(x, new double[2]));
        Assert.Throws<IndexOutOfRangeException>(() => AD.DirectionalDerivative(f)(x, [1, 0]));
    }

    [Fact]
    public void AGridCreatedInsideALoopIsFlattenedAndCreatedBeforeIt()
    {
        // for r < 3: { var grid = new double[2, 2]; grid[r % 2, 1] = x[r]; s += sin(grid[0, 1]) + grid[1, 1] grid[1, 0] }
        var s = Double("s");
        var f = Lambda(Expression.Block([s],
            Expression.Assign(s, C(0)),
            For("r", I(0), I(3), r => Expression.Block([Grid],
                Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), I(2), I(2))),
                Expression.Assign(At2(Expression.Modulo(r, I(2)), I(1)), Xi(r)),
                Expression.AddAssign(s, Add(Sin(At2(I(0), I(1))), Mul(At2(I(1), I(1)), Xi(0)))))),
            s));
        double[] x = [0.3, -0.6, 0.9];
        // Rows 0 and 2 put x_r in grid[0, 1]; row 1 puts x_1 in grid[1, 1]: s = sin(x0) + x1 x0 + sin(x2) (+ sin(0)).
        double[] exact = [Math.Cos(x[0]) + x[1], x[0], Math.Cos(x[2])];
        var g = LoopCheck.Run(f, x, seed: 5, exact, perCoordinate: true);
        AssertForwardAndHessian(f, x, g);
    }

    [Fact]
    public void RectangularArraysUsedOtherwiseAreStillRefused()
    {
        // Passed whole to a method.
        var passed = Lambda(Expression.Block([Grid],
            Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), I(2), I(2))),
            Expression.Assign(At2(I(0), I(0)), Xi(0)),
            Mul(Xi(0), ToDouble(Expression.Call(typeof(Array).GetMethod(nameof(Array.IndexOf), [typeof(Array), typeof(object)])!, Grid, Expression.Constant(null))))));
        Assert.Contains("one-dimensional", Assert.Throws<NotSupportedException>(() => AD.Differentiate(passed)).Message);
        // A dimension read from a variable the function assigns.
        var n = Int("n");
        var fromVariable = Lambda(Expression.Block([Grid, n],
            Expression.Assign(n, Length),
            Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), n, n)),
            Expression.Assign(At2(I(0), I(0)), Xi(0)),
            At2(I(0), I(0))));
        Assert.Contains("one-dimensional", Assert.Throws<NotSupportedException>(() => AD.Differentiate(fromVariable)).Message);
    }

    [Fact]
    public void ATreeThatSharesItsNodesDeeplyIsLeftAloneWithoutWalkingEveryPath()
    {
        // One node used twice at each of 60 levels: 2^60 paths (outside loops: the loop passes that run before these walk
        // loop bodies path by path). The flattening and hoisting passes give up on their budget of visits (the arrays then
        // stay refused) instead of walking every path.
        Expression shared = Xi(0);
        for (var k = 0; k < 60; k++) shared = Add(shared, Mul(C(1e-18), shared));
        var s = Double("s");
        var f = Lambda(Expression.Block([Grid, s],
            Expression.Assign(Grid, Expression.NewArrayBounds(typeof(double), I(2), I(2))),
            Expression.Assign(At2(I(0), I(0)), shared),
            Expression.Assign(s, C(0)),
            For("i", I(0), Length, i => Expression.Block([Flat],
                Expression.Assign(Flat, Expression.NewArrayBounds(typeof(double), I(1))),
                Expression.Assign(Expression.ArrayAccess(Flat, I(0)), Xi(i)),
                Expression.AddAssign(s, Expression.ArrayAccess(Flat, I(0))))),
            Add(s, At2(I(0), I(0)))));
        Assert.Contains("one-dimensional", Assert.Throws<NotSupportedException>(() => AD.Differentiate(f)).Message);
    }

    private static void AssertForwardAndHessian(Expression<Func<double[], double>> f, double[] x, double[] g)
    {
        var v = FiniteDifferences.RandomUnitDirection(new Random(x.Length), x.Length);
        Assert.Equal(g.Zip(v, (a, b) => a * b).Sum(), AD.DirectionalDerivative(f)(x, v), 1e-12);
        HessianTests.AssertMatchesGradientDifferences(f, x);
    }
}
