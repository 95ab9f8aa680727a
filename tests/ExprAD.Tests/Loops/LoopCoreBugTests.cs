using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Minimal reproductions of defects found in the loop support, each named after the defect (most were found by
/// <see cref="RandomLoopProgramTests"/> and shrunk). They fail until the core is fixed.
/// </summary>
public class LoopCoreBugTests
{
    private static readonly double[] Point = [0.5, -0.3, 0.8];

    private static Expression<Func<double[], double>> SumLoop(Func<ParameterExpression, ParameterExpression, Expression> body, Func<ParameterExpression, Expression> result)
    {
        var s = Double("s");
        return Lambda(Expression.Block([s], Expression.Assign(s, C(0)), For("i", I(0), Length, i => body(s, i)), result(s)));
    }

    private static void AssertGradient(Expression<Func<double[], double>> f, double[] expected)
    {
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), Point);
        Numeric.AssertSameBits(f.Compile()(Point), value);
        LoopCheck.AssertClose(expected, g, 1e-12, "gradient");
    }

    // --- 1. accumulator zeroing shifts the block being reversed ------------------------------------------------

    /// <summary>
    /// <c>s = 1; for (i = 0; i &lt; x.Length; i++) s = x[i] &gt; 0 ? s * x[i] : s; return s;</c>
    /// Differentiate throws "ExprAD internal error: no derivative rule for active op TapePop". In the reverse of
    /// a loop iteration the recomputed body and its reverse share one block (ReverseSweep.ReverseIteration sets
    /// _reverseOf[body] = body). A term for a value of that block coming from a nested block (a reverse branch,
    /// or an inner loop's reverse) goes through an accumulator, which AddTerm zeroes with
    /// Instructions.Insert(0, ...) into that same block while Reverse(body, start, end) is walking it by index:
    /// the walk shifts by one and reaches the TapePop that restores a head. (Walking a snapshot of
    /// [start, end) in Reverse makes the three repros of this section pass.)
    /// </summary>
    [Fact]
    public void Bug_ConditionalInLoopBodyUsingACarriedDouble_ThrowsInternalErrorOnTapePop()
    {
        var s = Double("s");
        var f = Lambda(Expression.Block([s], Expression.Assign(s, C(1)),
            For("i", I(0), Length, i => Expression.Assign(s,
                Expression.Condition(Expression.GreaterThan(Xi(i), C(0)), Mul(s, Xi(i)), s))),
            s));
        double[] x = [2, -1, 3];
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), x);
        Assert.Equal(6.0, value);
        Assert.Equal([3.0, 0.0, 2.0], g);
    }

    /// <summary>
    /// The same defect without a conditional: <c>for i { t = x[i]; for j: s += t * x[j]; }</c> (an inner loop's
    /// reverse adding to a value of the outer iteration).
    /// </summary>
    [Fact]
    public void Bug_InnerLoopUsingAValueOfTheOuterIteration_ThrowsInternalErrorOnTapePop()
    {
        var t = Double("t");
        var f = SumLoop((s, i) => Expression.Block(typeof(void), [t],
            Expression.Assign(t, Xi(i)),
            For("j", I(0), Length, j => Expression.AddAssign(s, Mul(t, Xi(j))))), s => s);
        // s = (sum x)^2
        var sum = Point.Sum();
        AssertGradient(f, [2 * sum, 2 * sum, 2 * sum]);
    }

    /// <summary>
    /// <c>for i { s += sin(x[i]); for j: s += sin(x[i]) * x[j]; }</c>: the same defect giving a silently wrong
    /// gradient (about [0.72, 0.72, 1.41] instead of [2.66, 2.81, 2.29]) instead of an exception.
    /// </summary>
    [Fact]
    public void Bug_ValueOfTheOuterIterationRecomputedInTheInnerLoop_WrongGradient()
    {
        var f = SumLoop((s, i) => Statements(
            Expression.AddAssign(s, Sin(Xi(i))),
            For("j", I(0), Length, j => Expression.AddAssign(s, Mul(Sin(Xi(i)), Xi(j))))), s => s);
        // s = sum_i sin(x_i) (1 + sum_j x_j)
        var (sumSin, sumX) = (Point.Sum(Math.Sin), Point.Sum());
        AssertGradient(f, Point.Select(v => Math.Cos(v) * (1 + sumX) + sumSin).ToArray());
    }

    // --- 2. recomputation shares values the reverse sweep has already finished with ---------------------------

    /// <summary>
    /// <c>s = 0; for (i = 0; i &lt; x.Length; i++) s += x[0]; return s + x[0];</c> at n = 3: the gradient is
    /// [1, 0, 0] instead of [4, 0, 0]. Cause (from reading src): when the reverse of an iteration recomputes the
    /// body (IrCloner), ops are re-emitted through IrBuilder.Emit, whose CSE finds equal values in every visible
    /// block, including values defined AFTER the loop in the enclosing block (Block.Find looks at the whole
    /// block, not at what precedes the loop). The recomputed x[0] becomes the later x[0] read, whose adjoint was
    /// already taken (the reverse sweep handled it before the loop), so the loop's terms go to an accumulator
    /// nobody reads. (Emitting active clones without CSE makes the repros of 2 pass.)
    /// </summary>
    [Fact]
    public void Bug_LoopInvariantValueAlsoUsedAfterTheLoop_LosesTheLoopsAdjoint()
    {
        var f = SumLoop((s, i) => Expression.AddAssign(s, Xi(0)), s => Add(s, Xi(0)));
        AssertGradient(f, [4, 0, 0]);
    }

    /// <summary>The same with a product: <c>s += x[0] * x[0]; return s + x[0];</c> gives [1, 0, 0] instead of [7, 0, 0].</summary>
    [Fact]
    public void Bug_LoopInvariantProductAlsoUsedAfterTheLoop_LosesTheLoopsAdjoint()
    {
        var f = SumLoop((s, i) => Expression.AddAssign(s, Mul(Xi(0), Xi(0))), s => Add(s, Xi(0)));
        AssertGradient(f, [3 * 2 * Point[0] + 1, 0, 0]);
    }

    /// <summary>
    /// <c>s += tanh(x[0]) * tanh(x[0]); return s + tanh(x[0]);</c>: Differentiate throws KeyNotFoundException
    /// ("The given key 'ExprAD.Ir.Block' was not present in the dictionary") from ReverseSweep.AddTerm, at
    /// _reverseOf[target.Block]: the shared value's block has no reverse block yet.
    /// </summary>
    [Fact]
    public void Bug_LoopInvariantCallAlsoUsedAfterTheLoop_ThrowsKeyNotFound()
    {
        var f = SumLoop((s, i) => Expression.AddAssign(s, Mul(Tanh(Xi(0)), Tanh(Xi(0)))), s => Add(s, Tanh(Xi(0))));
        var th = Math.Tanh(Point[0]);
        AssertGradient(f, [(3 * 2 * th + 1) * (1 - th * th), 0, 0]);
    }

    // --- 3. memory -------------------------------------------------------------------------------------------------
    // See LoopTapeTests.Bug_NestedReductionIntoTheOuterAccumulator_TapesOneValuePerOuterIteration.

    // --- semantics note (passing) -----------------------------------------------------------------------------------

    /// <summary>
    /// A variable declared in a block inside a loop body and read before its assignment in an iteration:
    /// <c>i = 0; loop { if (i &gt;= 3) break; { double t; s += t; t = x[0]; } i++; }</c>. ExprAD reads default(T)
    /// each iteration, like the expression interpreter (f.Compile(preferInterpretation: true)) gives 0; the IL
    /// compiler (f.Compile()) keeps t from the previous iteration and gives 2 x[0]. C# cannot produce such a tree
    /// (definite assignment), so this only documents which side ExprAD is on.
    /// </summary>
    [Fact]
    public void BlockVariableReadBeforeItsAssignmentInALoopBodyIsDefaultEachIteration()
    {
        var (s, t, i) = (Double("s"), Double("t"), Int("i"));
        var f = Lambda(Expression.Block([s, i], Expression.Assign(s, C(0)), Expression.Assign(i, I(0)),
            Loop(end => Statements(
                BreakIf(Expression.GreaterThanOrEqual(i, I(3)), end),
                Expression.Block(typeof(void), [t], Expression.AddAssign(s, t), Expression.Assign(t, Xi(0))),
                Expression.PreIncrementAssign(i))),
            s));
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), Point);
        Assert.Equal(f.Compile(preferInterpretation: true)(Point), value);
        Assert.Equal(0.0, value);
        Assert.Equal(AD.Compile(f)(Point), value);
        Assert.Equal([0.0, 0.0, 0.0], g);
    }
}
