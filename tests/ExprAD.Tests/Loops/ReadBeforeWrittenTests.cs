using System.Linq.Expressions;
using ExprAD.Compilation;

namespace ExprAD.Tests.Loops;

/// <summary>
/// <see cref="ReadBeforeWritten"/> decides which variables a moved loop body may declare afresh: a variable it calls
/// written must be written on every path before any read, or the body would lose a value carried in from outside.
/// </summary>
public class ReadBeforeWrittenTests
{
    private static readonly ParameterExpression A = Expression.Variable(typeof(double), "a");
    private static readonly ParameterExpression B = Expression.Variable(typeof(double), "b");
    private static readonly ParameterExpression C = Expression.Variable(typeof(double), "c");
    private static readonly ParameterExpression I = Expression.Variable(typeof(int), "i");
    private static readonly ParameterExpression Flag = Expression.Variable(typeof(bool), "flag");
    private static readonly ParameterExpression Array = Expression.Variable(typeof(double[]), "array");

    /// <summary>Asserts the variables the statements read before writing them (in any order).</summary>
    private static void AssertExposed(ParameterExpression[] expected, params Expression[] statements)
    {
        var exposed = ReadBeforeWritten.In(statements) ?? throw new Xunit.Sdk.XunitException("the walk gave up");
        Assert.True(exposed.SetEquals(expected), $"expected {{{string.Join(", ", expected.Select(v => v.Name))}}}, got {{{string.Join(", ", exposed.Select(v => v.Name))}}}");
    }

    private static Expression One => Expression.Constant(1.0);

    [Fact]
    public void AVariableWrittenFirstIsNotExposedAndOneReadFirstIs()
    {
        AssertExposed([C], Expression.Assign(A, One), Expression.Assign(B, Expression.Add(A, C)));
    }

    [Fact]
    public void ACompoundAssignmentOrAnIncrementReadsItsTarget()
    {
        AssertExposed([A], Expression.AddAssign(A, One));
        AssertExposed([I], Expression.PreIncrementAssign(I));
        AssertExposed([], Expression.Assign(I, Expression.Constant(0)), Expression.PostIncrementAssign(I));
    }

    [Fact]
    public void AnElementStoreReadsTheArrayAndTheIndex()
    {
        AssertExposed([Array, I], Expression.Assign(Expression.ArrayAccess(Array, I), One));
    }

    [Fact]
    public void AWriteInOneArmOfABranchDoesNotCoverALaterRead()
    {
        AssertExposed([Flag, A], Expression.IfThen(Flag, Expression.Assign(A, One)), Expression.Assign(B, A));
        AssertExposed([Flag], Expression.IfThenElse(Flag, Expression.Assign(A, One), Expression.Assign(A, One)), Expression.Assign(B, A));
        // The value of a conditional expression: the same rule.
        AssertExposed([Flag], Expression.Assign(B, Expression.Condition(Flag, Expression.Assign(A, One), Expression.Assign(A, One))), A);
    }

    [Fact]
    public void TheRightOperandOfAShortCircuitMayNotRun()
    {
        var writeA = Expression.Block(Expression.Assign(A, One), Expression.Constant(true));
        AssertExposed([Flag, A], Expression.Assign(Flag, Expression.AndAlso(Flag, writeA)), Expression.Assign(B, A));
        AssertExposed([Flag], Expression.Assign(Flag, Expression.AndAlso(writeA, Flag)), Expression.Assign(B, A));
    }

    [Fact]
    public void AValueCarriedFromOneIterationToTheNextIsExposed()
    {
        // while (true) { if (i >= 3) break; b = a; a = b + 1; i++; }: a's first read is its value from before the loop.
        var done = Expression.Label("done");
        var loop = Expression.Loop(Expression.Block(
            Expression.IfThen(Expression.GreaterThanOrEqual(I, Expression.Constant(3)), Expression.Break(done)),
            Expression.Assign(B, A),
            Expression.Assign(A, Expression.Add(B, One)),
            Expression.PreIncrementAssign(I)), done);
        AssertExposed([A], Expression.Assign(I, Expression.Constant(0)), loop);
        // Started inside the run, both are covered.
        AssertExposed([], Expression.Assign(I, Expression.Constant(0)), Expression.Assign(A, One), loop);
    }

    [Fact]
    public void AfterALoopComesWhatEveryBreakCarried()
    {
        // while (true) { if (i >= 3) { c = 1; break; } i++; } b = c;  c is written before the only break.
        var done = Expression.Label("done");
        Expression Loop(bool secondBreak) => Expression.Loop(Expression.Block(
            Expression.IfThen(Expression.GreaterThanOrEqual(I, Expression.Constant(3)), Expression.Block(Expression.Assign(C, One), Expression.Break(done))),
            secondBreak ? Expression.IfThen(Flag, Expression.Break(done)) : Expression.Empty(),
            Expression.PreIncrementAssign(I)), done);
        AssertExposed([], Expression.Assign(I, Expression.Constant(0)), Loop(false), Expression.Assign(B, C));
        // A second break that does not write c leaves c's read exposed.
        AssertExposed([Flag, C], Expression.Assign(I, Expression.Constant(0)), Loop(true), Expression.Assign(B, C));
    }

    [Fact]
    public void CodeAfterAJumpIsUnreachableAndALabelMeetsWhatArrives()
    {
        var skip = Expression.Label("skip");
        // if (flag) { a = 1; goto skip; } a = 2; skip: b = a;  both paths write a.
        AssertExposed([Flag],
            Expression.IfThen(Flag, Expression.Block(Expression.Assign(A, One), Expression.Goto(skip))),
            Expression.Assign(A, One),
            Expression.Label(skip),
            Expression.Assign(B, A));
        // if (flag) goto skip; a = 2; skip: b = a;  the jump skips the write.
        AssertExposed([Flag, A],
            Expression.IfThen(Flag, Expression.Goto(skip)),
            Expression.Assign(A, One),
            Expression.Label(skip),
            Expression.Assign(B, A));
    }

    private delegate void ByReference(ref double value);

    [Fact]
    public void AVariablePassedByReferenceIsReadThenWritten()
    {
        var method = Expression.Lambda<ByReference>(Expression.Empty(), Expression.Parameter(typeof(double).MakeByRefType(), "value")).Compile();
        var call = Expression.Invoke(Expression.Constant(method), A);
        AssertExposed([A], call, Expression.Assign(B, A));
    }

    [Fact]
    public void ANodeTheWalkDoesNotKnowGivesNoAnswer()
    {
        var guarded = Expression.TryFinally(Expression.Assign(A, One), Expression.Empty());
        Assert.Null(ReadBeforeWritten.In([guarded]));
    }
}
