using System.Linq.Expressions;

namespace ExprAD.Diagnostics;

/// <summary>An <see cref="ExpressionVisitor"/> that checks the stack at every node, so deep trees raise a catchable exception.</summary>
internal abstract class GuardedExpressionVisitor : ExpressionVisitor
{
    public override Expression? Visit(Expression? node)
    {
        StackGuard.Check();
        return base.Visit(node);
    }
}
