using System.Linq.Expressions;
using ExprAD.Benchmarks.Shared;
using ExprAD.Tests.TestSupport;
using ExprAD.Tests.Vector;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// A value a loop stores at its counter (y[j] = v) is read back from the array, not recomputed, where the reverse of the
/// loop needs it in a partial derivative (z[j] = v * w needs v for w's adjoint): only when the element provably still
/// holds the value. Each variant below breaks one condition; their gradients must stay exact either way. (Without the
/// check that the enclosing iteration restored the array, WriteOnly fails; without the one-write check, a random scratch
/// program does.)
/// </summary>
public class ReadBackTests
{
    private const int N = 3;

    public enum Variant
    {
        /// <summary>The pattern read back: GMM's fill loop.</summary>
        Plain,
        /// <summary>y[0] is written again after the fill loop, in the same component: it no longer holds v_0 (and y is refilled, not restored, for the component's reverse).</summary>
        SecondWrite,
        /// <summary>The fill loop runs twice per component (two passes): the restored array holds the second pass.</summary>
        TwoPasses,
        /// <summary>
        /// y is read only once all loops are done (loss += y_1^2): nothing restores it for each component's reverse, which
        /// would find the last component's values there.
        /// </summary>
        WriteOnly,
    }

    /// <summary>
    /// loss = sum_r log(1 + acc_r^2), acc_r = sum_k sum_j (z_j^2 + y_j^2) after, per component k, the fill loop
    /// <c>for j: { v = d_rj s - x[kN+j]; y[j] = v; z[j] = v w_k; }</c> with w_k = x[KN + k] (s = pass + 1): like GMM's
    /// y = x_i - mu_k, v is linear in the data, so only w_k's partial (v itself) needs the data again.
    /// </summary>
    internal static Expression<Func<double[], double>> Program(double[,] data, int components, Variant variant)
    {
        var y = Expression.Variable(typeof(double[]), "y");
        var z = Expression.Variable(typeof(double[]), "z");
        var v = Double("v");
        var acc = Double("acc");
        var loss = Double("loss");
        Expression Fill(ParameterExpression r, ParameterExpression k, Expression scale) => For("j", I(0), I(N), j => Expression.Block([v],
            Expression.Assign(v, Sub(Mul(Expression.ArrayAccess(Expression.Constant(data), r, j), scale), Xi(Add(Mul(k, I(N)), j)))),
            Expression.Assign(Expression.ArrayAccess(y, j), v),
            Expression.Assign(Expression.ArrayAccess(z, j), Mul(v, Xi(Add(I(components * N), k))))));
        Expression Sum() => For("j", I(0), I(N), j => Expression.AddAssign(acc, variant == Variant.WriteOnly
            ? Square(Expression.ArrayAccess(z, j))
            : Add(Square(Expression.ArrayAccess(z, j)), Square(Expression.ArrayAccess(y, j)))));
        Expression Component(ParameterExpression r, ParameterExpression k) => variant switch
        {
            Variant.SecondWrite => Expression.Block(Fill(r, k, C(1)),
                Expression.Assign(Expression.ArrayAccess(y, I(0)), Add(Mul(Expression.ArrayAccess(y, I(0)), C(0.5)), Expression.ArrayAccess(z, I(1)))),
                Sum()),
            Variant.TwoPasses => For("pass", I(0), I(2), pass => Expression.Block(Fill(r, k, ToDouble(Add(pass, I(1)))), Sum())),
            _ => Expression.Block(Fill(r, k, C(1)), Sum()),
        };
        return Lambda(Expression.Block([y, z, loss],
            Expression.Assign(y, Expression.NewArrayBounds(typeof(double), I(N))),
            Expression.Assign(z, Expression.NewArrayBounds(typeof(double), I(N))),
            Expression.Assign(loss, C(0)),
            For("r", I(0), I(data.GetLength(0)), r => Expression.Block([acc],
                Expression.Assign(acc, C(0)),
                For("k", I(0), I(components), k => Component(r, k)),
                Expression.AddAssign(loss, Log(Add(C(1), Square(acc)))))),
            variant == Variant.WriteOnly ? Expression.AddAssign(loss, Square(Expression.ArrayAccess(y, I(1)))) : Expression.Empty(),
            loss));
    }

    [Theory]
    [InlineData(Variant.Plain)]
    [InlineData(Variant.SecondWrite)]
    [InlineData(Variant.TwoPasses)]
    [InlineData(Variant.WriteOnly)]
    public void GradientsAreExactWhetherOrNotTheValueCanBeReadBack(Variant variant)
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var random = new Random(300 + seed);
            var data = new double[3, N];
            for (var r = 0; r < 3; r++) for (var j = 0; j < N; j++) data[r, j] = random.NextDouble() * 2 - 1;
            var components = 1 + seed % 3;
            var f = Program(data, components, variant);
            var x = FiniteDifferences.RandomPoint(random, components * (N + 1), -1, 1);
            var g = LoopCheck.Run(f, x, seed, perCoordinate: true, context: variant.ToString());
            // The other mode: forward-mode directional derivatives give the same numbers.
            var direction = FiniteDifferences.RandomUnitDirection(random, x.Length);
            var forward = AD.DirectionalDerivative(f)(x, direction);
            Assert.Equal(FiniteDifferences.Dot(g, direction), forward, 1e-12 * (1 + Math.Abs(forward)));
            HessianTests.AssertMatchesGradientDifferences(f, x);
        }
    }

    /// <summary>Reads of the captured 2-D array in a tree (indexed, through its Get method, or as an ArrayIndex node).</summary>
    private static int MatrixReads(Expression tree) => TreeNodes.In(tree).Count(node => node switch
    {
        IndexExpression index => index.Object?.Type == typeof(double[,]),
        MethodCallExpression call => call.Object?.Type == typeof(double[,]),
        BinaryExpression { NodeType: ExpressionType.ArrayIndex } read => read.Left.Type == typeof(double[,]),
        _ => false,
    });

    [Fact]
    public void TheReverseOfTheFillLoopReadsTheStoredValueInsteadOfTheData()
    {
        // The fill's reverse needs v for w_k's adjoint: read back from y, the data (and the sine) are not read again.
        var data = new double[2, N];
        Assert.Equal(1, MatrixReads(AD.GradientExpression(Program(data, 2, Variant.Plain))));
        // GMM in loop form: y = x_i - mu_k is read back in the reverse; x_i is read once, by the forward sweep.
        Assert.Equal(1, MatrixReads(AD.GradientExpression(GmmLoops.Objective(GmmData.LoadFile("gmm_test.txt")))));
    }

    [Fact]
    public void AValueTheArrayMayNoLongerHoldIsRecomputed()
    {
        // y[0] is written again after the fill loop, and y is refilled, not restored, for each component's reverse. Three
        // reads of the data: the forward fill, its refill in the component's reverse, and the fill's reverse recomputing
        // v for w_k's partial (the one a read-back would replace: 2 reads when the read-back's checks are dropped).
        var data = new double[2, N];
        Assert.Equal(3, MatrixReads(AD.GradientExpression(Program(data, 2, Variant.SecondWrite))));
    }
}
