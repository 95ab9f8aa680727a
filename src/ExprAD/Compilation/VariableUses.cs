using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Compilation;

/// <summary>The variables a piece of code reads and writes that it does not declare itself.</summary>
internal sealed class VariableUses : GuardedExpressionVisitor
{
    public HashSet<ParameterExpression> Read { get; } = [];
    public HashSet<ParameterExpression> Written { get; } = [];
    private readonly HashSet<ParameterExpression> _declared = [];

    public static VariableUses Of(Expression node)
    {
        var uses = new VariableUses();
        uses.Visit(node);
        uses.Read.ExceptWith(uses._declared);
        uses.Written.ExceptWith(uses._declared);
        return uses;
    }

    protected override Expression VisitBlock(BlockExpression node)
    {
        _declared.UnionWith(node.Variables);
        return base.VisitBlock(node);
    }

    protected override Expression VisitParameter(ParameterExpression node)
    {
        Read.Add(node);
        return node;
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        if (ReadBeforeWritten.IsAssignment(node.NodeType) && node.Left is ParameterExpression target) Written.Add(target);
        return base.VisitBinary(node);
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType is ExpressionType.PreIncrementAssign or ExpressionType.PostIncrementAssign
                or ExpressionType.PreDecrementAssign or ExpressionType.PostDecrementAssign
            && node.Operand is ParameterExpression target)
            Written.Add(target);
        return base.VisitUnary(node);
    }

    /// <summary>A variable passed to a by-reference parameter (an outlined nest's shared variable) is written too.</summary>
    protected override Expression VisitInvocation(InvocationExpression node)
    {
        var parameters = node.Expression.Type.GetMethod("Invoke")!.GetParameters();
        for (var i = 0; i < node.Arguments.Count; i++)
            if (parameters[i].ParameterType.IsByRef && node.Arguments[i] is ParameterExpression variable) Written.Add(variable);
        return base.VisitInvocation(node);
    }
}
