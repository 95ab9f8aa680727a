using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Compound assignments beyond + - * /: the shifts and bitwise operators on int counters and bool flags (<c>k &lt;&lt;= 1</c>
/// used to compute k &lt;&lt; 1 and drop the assignment: a wrong value and gradient, silently), <c>PowerAssign</c> on doubles
/// (refused as a "user-defined operator" Math.Pow), increments of local array elements (<c>a[i]++</c>, refused), and the
/// refusal of any compound assignment the lowering does not rewrite. Values bit for bit against <c>f.Compile()</c>,
/// gradients against exact values and finite differences.
/// </summary>
public class CompoundAssignmentTests
{
    /// <summary>The sum each function returns; the bodies below add to it.</summary>
    private static readonly ParameterExpression S = Double("s");

    /// <summary><c>{ s = 0; before; for (i = 0; i &lt; x.Length; i++) body(i); return s; }</c>.</summary>
    private static Expression<Func<double[], double>> SumLoop(ParameterExpression[] locals, Expression? before, Func<ParameterExpression, Expression> body)
    {
        var statements = new List<Expression> { Expression.Assign(S, C(0)) };
        if (before is not null) statements.Add(before);
        statements.Add(For("i", I(0), Length, i => body(i)));
        statements.Add(S);
        return Lambda(Expression.Block([S, .. locals], statements));
    }

    [Fact]
    public void ShiftsAndBitwiseAssignmentsOnAnIntCounterWeightTheTerms()
    {
        // k = 1; for each i: k <<= 1; s += k x_i  =>  s = sum 2^(i+1) x_i.
        var k = Int("k");
        var f = SumLoop([k], Expression.Assign(k, I(1)), i => Statements(
            Expression.LeftShiftAssign(k, I(1)),
            Expression.AddAssign(S, Mul(ToDouble(k), Xi(i)))));
        var x = new[] { 0.3, -1.2, 2.5, 0.9 };
        var g = LoopCheck.Run(f, x, seed: 1);
        Assert.Equal([2.0, 4, 8, 16], g);

        // k = 1000; each i: k >>= 1; k ^= 3; k |= 8; k &= 255; s += k x_i.
        var weights = new List<double>();
        var kk = 1000;
        for (var n = 0; n < x.Length; n++)
        {
            kk >>= 1; kk ^= 3; kk |= 8; kk &= 255;
            weights.Add(kk);
        }
        var h = SumLoop([k], Expression.Assign(k, I(1000)), i => Statements(
            Expression.RightShiftAssign(k, I(1)), Expression.ExclusiveOrAssign(k, I(3)), Expression.OrAssign(k, I(8)), Expression.AndAssign(k, I(255)),
            Expression.AddAssign(S, Mul(ToDouble(k), Xi(i)))));
        Assert.Equal(weights, LoopCheck.Run(h, x, seed: 2));
    }

    [Fact]
    public void BitwiseAssignmentsOnABoolFlagChooseTheTerms()
    {
        // b = true; b &= x_i > 0; b |= x_i < -1; if (b) s += x_i * x_i.
        var b = Bool("b");
        var f = SumLoop([b], null, i => Statements(
            Expression.Assign(b, Expression.Constant(true)),
            Expression.AndAssign(b, Expression.GreaterThan(Xi(i), C(0))),
            Expression.OrAssign(b, Expression.LessThan(Xi(i), C(-1))),
            Expression.ExclusiveOrAssign(b, Expression.GreaterThan(Xi(i), C(2))),
            Expression.IfThen(b, Expression.AddAssign(S, Square(Xi(i))))));
        var x = new[] { 0.3, -1.2, 2.5, 0.9, -0.5 };
        var g = LoopCheck.Run(f, x, seed: 3);
        // Chosen: 0.3 (positive), -1.2 (below -1); 2.5 is positive but above 2 (xor); 0.9; not -0.5.
        Assert.Equal([0.6, -2.4, 0, 1.8, 0], g);
    }

    [Fact]
    public void PowerAssignOnADoubleIsMathPow()
    {
        // s = 1.5; s = s ^ x_i for each i (Expression.PowerAssign names Math.Pow as its method).
        var f = SumLoop([], Expression.Assign(S, C(1.5)), i => Expression.PowerAssign(S, Xi(i)));
        var x = new[] { 0.7, -1.2, 0.4 };
        var g = LoopCheck.Run(f, x, seed: 4, perCoordinate: true);
        // s = 1.5^(x0 x1 x2): ds/dx0 = s ln 1.5 x1 x2.
        var s = Math.Pow(Math.Pow(Math.Pow(1.5, 0.7), -1.2), 0.4);
        Numeric.AssertClose([s * Math.Log(1.5) * -1.2 * 0.4, s * Math.Log(1.5) * 0.7 * 0.4, s * Math.Log(1.5) * 0.7 * -1.2], g, 1e-14);
    }

    [Fact]
    public void IncrementsOfLocalArrayElementsUseTheElementOnceAndReturnTheRightValue()
    {
        // a = x (copied); s += (a[i]++) * (--a[3 - i]); the post-increment's value is the old element, the pre-decrement's the new one.
        var a = Expression.Variable(typeof(double[]), "a");
        var f = SumLoop([a], Statements(
                Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(4))),
                For("j", I(0), I(4), j => Expression.Assign(Expression.ArrayAccess(a, j), Xi(j)))),
            i => Expression.AddAssign(S, Mul(
                Expression.PostIncrementAssign(Expression.ArrayAccess(a, i)),
                Expression.PreDecrementAssign(Expression.ArrayAccess(a, Sub(I(3), i))))));
        var x = new[] { 0.3, -1.2, 2.5, 0.9 };
        var g = LoopCheck.Run(f, x, seed: 5, perCoordinate: true);
        // By hand, with a = x: i = 0 adds x0 (x3 - 1) and leaves a0 = x0 + 1, a3 = x3 - 1; i = 1 adds x1 (x2 - 1), leaving
        // a1 = x1 + 1, a2 = x2 - 1; i = 2 adds (x2 - 1) x1; i = 3 adds (x3 - 1) x0. So s = 2 x0 (x3 - 1) + 2 x1 (x2 - 1).
        Numeric.AssertClose([2 * (0.9 - 1), 2 * (2.5 - 1), 2 * -1.2, 2 * 0.3], g, 1e-15);
        // An element increment with an index that has an effect evaluates the index once.
        var counter = Int("c");
        var once = Lambda(Expression.Block([a, counter],
            Expression.Assign(a, Expression.NewArrayBounds(typeof(double), I(3))),
            Expression.Assign(counter, I(0)),
            Expression.PostIncrementAssign(Expression.ArrayAccess(a, Expression.PostIncrementAssign(counter))),
            Add(Mul(ToDouble(counter), Xi(0)), Expression.ArrayAccess(a, I(0)))));
        var (value, grad) = Numeric.Evaluate(AD.Differentiate(once), 2.0);
        Assert.Equal(3.0, value);
        Assert.Equal([1.0], grad);
    }

    [Fact]
    public void ACompoundAssignmentOfAFieldIsRefusedInsteadOfDropped()
    {
        var holder = new Holder();
        var field = Expression.Field(Expression.Constant(holder), nameof(Holder.Value));
        var f = SumLoop([], null, i => Expression.AddAssign(field, Xi(i)));
        var error = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Contains("Compound assignments are supported on local variables and elements of local arrays", error.Message);
        Assert.Contains(".Value += x[i]", error.Message);
    }

    public sealed class Holder
    {
        public double Value;
    }
}
