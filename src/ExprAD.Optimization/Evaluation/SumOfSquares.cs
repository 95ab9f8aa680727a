using System.Linq.Expressions;

namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// Rewrites a residual lambda <c>x => new[] { r0, ..., r(m-1) }</c> into the scalar <c>x => scale * (r0^2 + ... )</c>,
/// so that a least-squares problem can also be handed to the minimizers (the MGH table runs both). Each residual
/// is bound to its own local once, so it is computed once and its square costs one multiplication.
/// </summary>
internal static class SumOfSquares
{
    public static Expression<Func<double[], double>> Of(Expression<Func<double[], double[]>> residuals, double scale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        if (residuals.Body is not NewArrayExpression { NodeType: ExpressionType.NewArrayInit } array)
            throw new NotSupportedException(
                $"A sum of squares needs the residuals written as an array initializer, x => new[] {{ r0, r1, ... }}; got {residuals.Body.NodeType}.");

        var locals = new List<ParameterExpression>();
        var statements = new List<Expression>();
        Expression? sum = null;
        foreach (var element in array.Expressions)
        {
            var r = Expression.Variable(typeof(double), "r" + locals.Count);
            locals.Add(r);
            statements.Add(Expression.Assign(r, element));
            var square = Expression.Multiply(r, r);
            sum = sum is null ? square : Expression.Add(sum, square);
        }
        sum ??= Expression.Constant(0.0);
        if (scale != 1.0) sum = Expression.Multiply(Expression.Constant(scale), sum);
        statements.Add(sum);
        return Expression.Lambda<Func<double[], double>>(Expression.Block(locals, statements), residuals.Parameters);
    }
}
