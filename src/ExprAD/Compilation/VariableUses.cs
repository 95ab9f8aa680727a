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
        if (IsAssignment(node.NodeType) && node.Left is ParameterExpression target) Written.Add(target);
        return base.VisitBinary(node);
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (IsStep(node.NodeType) && node.Operand is ParameterExpression target) Written.Add(target);
        return base.VisitUnary(node);
    }

    /// <summary>A variable passed to a by-reference parameter (an outlined nest's shared variable) is written too.</summary>
    protected override Expression VisitInvocation(InvocationExpression node)
    {
        Written.UnionWith(PassedByReference(node.Arguments, node.Expression.Type.GetMethod("Invoke")!.GetParameters()));
        return base.VisitInvocation(node);
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        Written.UnionWith(PassedByReference(node.Arguments, node.Method.GetParameters()));
        return base.VisitMethodCall(node);
    }

    /// <summary>The variables given as arguments to by-reference parameters.</summary>
    internal static IEnumerable<ParameterExpression> PassedByReference(IReadOnlyList<Expression> arguments, System.Reflection.ParameterInfo[] parameters)
        => arguments.Where((argument, i) => parameters[i].ParameterType.IsByRef).OfType<ParameterExpression>();

    internal static bool IsAssignment(ExpressionType type) => type is ExpressionType.Assign or ExpressionType.AddAssign
        or ExpressionType.SubtractAssign or ExpressionType.MultiplyAssign or ExpressionType.DivideAssign
        or ExpressionType.ModuloAssign or ExpressionType.AndAssign or ExpressionType.OrAssign or ExpressionType.ExclusiveOrAssign
        or ExpressionType.LeftShiftAssign or ExpressionType.RightShiftAssign or ExpressionType.PowerAssign
        or ExpressionType.AddAssignChecked or ExpressionType.SubtractAssignChecked or ExpressionType.MultiplyAssignChecked;

    internal static bool IsStep(ExpressionType type) => type is ExpressionType.PreIncrementAssign or ExpressionType.PostIncrementAssign
        or ExpressionType.PreDecrementAssign or ExpressionType.PostDecrementAssign;
}
