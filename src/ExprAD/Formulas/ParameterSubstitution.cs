using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Formulas;

/// <summary>
/// Replaces the stand-in parameters Dynamic LINQ parsed against with what they stand for (x[k] for a
/// variable, x.Length for n, the loop counter for an index, the loop for a sum), and writes Dynamic
/// LINQ's checked int-to-double conversions as plain ones (they cannot overflow).
/// </summary>
internal sealed class ParameterSubstitution(IReadOnlyDictionary<ParameterExpression, Expression> replacements) : ExpressionVisitor
{
    public override Expression? Visit(Expression? node)
    {
        StackGuard.Check();
        return base.Visit(node);
    }

    protected override Expression VisitParameter(ParameterExpression node)
        => replacements.TryGetValue(node, out var replacement) ? replacement : node;

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType == ExpressionType.ConvertChecked && node.Operand.Type == typeof(int) && node.Type == typeof(double))
        {
            return Expression.Convert(Visit(node.Operand)!, typeof(double));
        }
        return base.VisitUnary(node);
    }
}
