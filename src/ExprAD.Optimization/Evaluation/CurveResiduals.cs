using System.Linq.Expressions;

namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// Turns a model y = model(t, p) and data (t_i, y_i) into the residual lambda
/// <c>p => new[] { model(t_0, p) - y_0, ... }</c>: one array element per data point, the model invoked with the
/// data as constants (ExprAD inlines the invocation), so that the AD Jacobian sees every residual.
/// </summary>
internal static class CurveResiduals
{
    public static Expression<Func<double[], double[]>> Build(Expression<Func<double, double[], double>> model, double[] t, double[] y)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(y);
        if (t.Length != y.Length) throw new ArgumentException($"t.Length ({t.Length}) must equal y.Length ({y.Length}).", nameof(y));
        if (t.Length == 0) throw new ArgumentException("Curve fitting needs at least one data point.", nameof(t));
        for (var i = 0; i < t.Length; i++)
            if (!double.IsFinite(t[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException($"Data point {i} (t = {t[i]}, y = {y[i]}) is not finite.", nameof(y));

        var p = Expression.Parameter(typeof(double[]), "p");
        var residuals = t.Select((ti, i) => (Expression)Expression.Subtract(
            Expression.Invoke(model, Expression.Constant(ti), p), Expression.Constant(y[i])));
        return Expression.Lambda<Func<double[], double[]>>(Expression.NewArrayInit(typeof(double), residuals), p);
    }
}
