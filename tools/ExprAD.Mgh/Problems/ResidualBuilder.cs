using System.Linq.Expressions;

namespace ExprAD.Mgh;

/// <summary>
/// Builds residual lambdas <c>x => new[] { r1, ..., rm }</c> from a per-residual template such as
/// <c>(x, t, y) => y - x[0] * Math.Exp(-t * x[1])</c>: the data arguments are replaced by constants, giving the
/// explicit array initializer that both <c>AD.Jacobian</c> and the sum-of-squares rewrite read.
/// </summary>
internal static class ResidualBuilder
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    /// <summary>x => new[] { element(1), ..., element(m) }, each element a template bound with <see cref="Bind"/>.</summary>
    public static Expression<Func<double[], double[]>> ResidualVector(int m, Func<int, Expression> element)
        => Expression.Lambda<Func<double[], double[]>>(
            Expression.NewArrayInit(typeof(double), Enumerable.Range(1, m).Select(element)), X);

    /// <summary>The template's body with its first parameter as the shared x and the others as constants.</summary>
    public static Expression Bind(LambdaExpression template, params object[] constants)
    {
        var map = new Dictionary<ParameterExpression, Expression> { [template.Parameters[0]] = X };
        for (var k = 0; k < constants.Length; k++)
            map[template.Parameters[k + 1]] = Expression.Constant(Convert.ChangeType(constants[k], template.Parameters[k + 1].Type), template.Parameters[k + 1].Type);
        return new Substitution(map).Visit(template.Body);
    }

    /// <summary>term(from) + ... + term(to), unrolled (the residuals must stay one flat array initializer).</summary>
    public static Expression Sum(int from, int to, Func<int, Expression> term)
        => Enumerable.Range(from, to - from + 1).Select(term).Aggregate(Expression.Add);

    private sealed class Substitution(Dictionary<ParameterExpression, Expression> map) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var e) ? e : node;
    }
}
