using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>A visitor that spends one visit of a <see cref="Sharing.Budget"/> per node (see <see cref="Sharing"/>).</summary>
internal abstract class BudgetedVisitor(Sharing.Budget budget) : GuardedExpressionVisitor
{
    protected Sharing.Budget Budget => budget;

    public override Expression? Visit(Expression? node)
    {
        budget.Spend();
        return base.Visit(node);
    }
}

/// <summary>
/// How often each variable of a subtree is declared (in a block's variables) and assigned (<c>v = ...</c>): the facts the array
/// passes (<see cref="RectangularArrays"/>, <see cref="LoopArrayHoisting"/>) check before moving or reshaping an array. A
/// declaration is not a use: blocks' variables are not visited.
/// </summary>
internal abstract class VariableScan(Sharing.Budget budget) : BudgetedVisitor(budget)
{
    public readonly Dictionary<ParameterExpression, int> Declarations = new(ReferenceEqualityComparer.Instance);
    public readonly Dictionary<ParameterExpression, int> Assignments = new(ReferenceEqualityComparer.Instance);

    protected override Expression VisitBlock(BlockExpression node)
    {
        foreach (var variable in node.Variables) Declarations[variable] = Declarations.GetValueOrDefault(variable) + 1;
        Visit(node.Expressions);
        return node;
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        CountAssignment(node);
        return base.VisitBinary(node);
    }

    /// <summary>Counts <paramref name="node"/> if it assigns a variable; for overrides that do not call <see cref="VisitBinary"/>.</summary>
    protected void CountAssignment(BinaryExpression node)
    {
        if (node.NodeType == ExpressionType.Assign && node.Left is ParameterExpression variable)
            Assignments[variable] = Assignments.GetValueOrDefault(variable) + 1;
    }

    /// <summary>
    /// An array length that is the same wherever it is read and never negative: a constant, the length of an array, or sums
    /// and products of those, reading no variable <paramref name="mayChange"/> says is changed and calling or assigning nothing.
    /// </summary>
    public bool IsFixedLength(Expression length, Func<ParameterExpression, bool> mayChange) => length switch
    {
        ConstantExpression { Value: int value } => value >= 0,
        UnaryExpression { NodeType: ExpressionType.ArrayLength, Operand: var array } => ReadsNothingChanged(array, mayChange),
        BinaryExpression { NodeType: ExpressionType.Add or ExpressionType.Multiply, Method: null } both
            => IsFixedLength(both.Left, mayChange) && IsFixedLength(both.Right, mayChange),
        _ => false,
    };

    private bool ReadsNothingChanged(Expression node, Func<ParameterExpression, bool> mayChange)
    {
        var reads = new VariableReads(Budget);
        reads.Visit(node);
        return reads.Pure && !reads.Variables.Any(mayChange);
    }
}

/// <summary>The variables an expression mentions, and whether it is pure: no call, invocation or assignment (a call may return another array each time).</summary>
internal sealed class VariableReads(Sharing.Budget budget) : BudgetedVisitor(budget)
{
    public readonly HashSet<ParameterExpression> Variables = new(ReferenceEqualityComparer.Instance);
    public bool Pure { get; private set; } = true;

    protected override Expression VisitParameter(ParameterExpression node)
    {
        Variables.Add(node);
        return node;
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        Pure = false;
        return base.VisitMethodCall(node);
    }

    protected override Expression VisitInvocation(InvocationExpression node)
    {
        Pure = false;
        return base.VisitInvocation(node);
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        if (node.NodeType is ExpressionType.Assign or ExpressionType.AddAssign or ExpressionType.SubtractAssign
            or ExpressionType.MultiplyAssign or ExpressionType.DivideAssign) Pure = false;
        return base.VisitBinary(node);
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType is ExpressionType.PreIncrementAssign or ExpressionType.PostIncrementAssign
            or ExpressionType.PreDecrementAssign or ExpressionType.PostDecrementAssign) Pure = false;
        return base.VisitUnary(node);
    }
}
