using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Local arrays (and their adjoint arrays) come from the per-thread tape and are reused by the next call:
/// a steady-state call allocates nothing, and a reused array starts zeroed, whatever the previous call
/// left in it, whatever its length this time.
/// </summary>
public class LocalArrayReuseTests
{
    private static readonly ParameterExpression A = Expression.Variable(typeof(double[]), "a");
    private static readonly ParameterExpression B = Expression.Variable(typeof(double[]), "b");

    // a = new double[n]; a[i] = sin(x[i]) for i where x[i] > 0 (others stay zero); return sum a[i] * x[i].
    private static Expression<Func<double[], double>> PartlyFilled() => Lambda(Expression.Block([A],
        Expression.Assign(A, Expression.NewArrayBounds(typeof(double), Length)),
        For("i", I(0), Length, i => Expression.IfThen(Expression.GreaterThan(Xi(i), C(0)),
            Expression.Assign(Expression.ArrayAccess(A, i), Sin(Xi(i))))),
        Sum(A)));

    private static Expression Sum(ParameterExpression array)
    {
        var s = Double("s");
        return Expression.Block([s], Expression.Assign(s, C(0)),
            For("j", I(0), Length, j => Expression.AddAssign(s, Mul(Expression.ArrayAccess(array, j), Xi(j)))), s);
    }

    private static double Value(double[] x) => x.Sum(v => v > 0 ? Math.Sin(v) * v : 0);

    [Fact]
    public void ASteadyStateCallAllocatesNothing()
    {
        var gradient = AD.Differentiate(PartlyFilled());
        var function = AD.Compile(PartlyFilled());
        var x = LoopCheck.RandomPoint(1, 200, -1, 1);
        var g = new double[x.Length];
        gradient(x, g);
        function(x);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 10; k++)
        {
            gradient(x, g);
            function(x);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AFunctionAndItsGradientCalledInTurnAllocateNothingWhenTheirArraysDifferInLength()
    {
        // a = new double[n], b = new double[n + 1]: f creates lengths (n, n + 1), the gradient (n, n, n + 1, n + 1)
        // with the adjoint arrays, so the second array of one call has the wrong length for the next (a line
        // search alternates them like this).
        var f = Lambda(Expression.Block([A, B],
            Expression.Assign(A, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Assign(B, Expression.NewArrayBounds(typeof(double), Add(Length, I(1)))),
            For("i", I(0), Length, i => Expression.Block(
                Expression.Assign(Expression.ArrayAccess(A, i), Sin(Xi(i))),
                Expression.Assign(Expression.ArrayAccess(B, Add(i, I(1))), Mul(Xi(i), Xi(i))))),
            Add(Sum(A), Sum(B))));
        var gradient = AD.Differentiate(f);
        var function = AD.Compile(f);
        var x = LoopCheck.RandomPoint(2, 50, -1, 1);
        var g = new double[x.Length];
        gradient(x, g);
        var value = function(x);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 10; k++)
        {
            gradient(x, g);
            function(x);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(f.Compile()(x), value);
        LoopCheck.Run(f, x, seed: 2);
    }

    [Fact]
    public void AReusedArrayStartsZeroedWhateverThePreviousCallLeftInItOrItsLength()
    {
        // Points alternate between all-positive (every element written) and mixed signs (some left at zero),
        // and between lengths, so a stale element or a wrong length would show in the value or the gradient.
        var f = PartlyFilled();
        var gradient = AD.Differentiate(f);
        var function = AD.Compile(f);
        var rng = new Random(4);
        foreach (var n in new[] { 5, 5, 8, 3, 8, 8, 1 })
        {
            var positive = FiniteDifferences.RandomPoint(rng, n, 0.1, 1);
            var mixed = FiniteDifferences.RandomPoint(rng, n, -1, 1);
            foreach (var x in new[] { positive, mixed, positive })
            {
                Numeric.AssertSameBits(Value(x), function(x), $"n = {n}");
                var g = new double[n];
                Numeric.AssertSameBits(Value(x), gradient(x, g), $"n = {n}");
                for (var i = 0; i < n; i++)
                    Assert.Equal(x[i] > 0 ? Math.Sin(x[i]) + x[i] * Math.Cos(x[i]) : 0, g[i], 1e-14);
            }
        }
    }

    [Fact]
    public void ArraysCreatedOnOneBranchOrTheOtherAreNotMixedUp()
    {
        // if (x[0] > 0) { a = new double[2]; ... } else { b = new double[3]; ... }: the arrays a call creates
        // differ from one call to the next in number and length.
        var f = Lambda(Expression.Condition(Expression.GreaterThan(Xi(0), C(0)),
            Expression.Block([A],
                Expression.Assign(A, Expression.NewArrayBounds(typeof(double), I(2))),
                Expression.Assign(Expression.ArrayAccess(A, I(1)), Mul(Xi(0), Xi(1))),
                Add(Expression.ArrayAccess(A, I(0)), Expression.ArrayAccess(A, I(1)))),
            Expression.Block([B],
                Expression.Assign(B, Expression.NewArrayBounds(typeof(double), I(3))),
                Expression.Assign(Expression.ArrayAccess(B, I(2)), Sin(Xi(1))),
                Add(Expression.ArrayAccess(B, I(2)), Expression.ArrayAccess(B, I(0))))));
        var gradient = AD.Differentiate(f);
        foreach (var x0 in new[] { 0.5, -0.5, 0.7, 0.7, -0.2, 0.3 })
        {
            double[] x = [x0, 0.9];
            var g = new double[2];
            var value = gradient(x, g);
            if (x0 > 0)
            {
                Assert.Equal(x0 * 0.9, value, 1e-15);
                Assert.Equal([0.9, x0], g);
            }
            else
            {
                Assert.Equal(Math.Sin(0.9), value, 1e-15);
                Assert.Equal([0, Math.Cos(0.9)], g);
            }
        }
    }
}
