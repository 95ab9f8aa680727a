using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Diagnostics;

namespace ExprAD.Formulas;

/// <summary>
/// What a formula's <c>sign(a)</c> computes: <see cref="Math.Sign(double)"/> as a double, and NaN for NaN, where
/// <see cref="Math.Sign(double)"/> throws an <see cref="ArithmeticException"/>. Formulas are untrusted input
/// evaluated at any point: <c>sign(asin(y))</c> at |y| &gt; 1 must give NaN like the rest of the formula, not throw.
/// </summary>
internal static class FormulaMath
{
    public static readonly MethodInfo SignMethod = typeof(FormulaMath).GetMethod(nameof(Sign))!;

    public static readonly MethodInfo CheckUpperBoundMethod = typeof(FormulaMath).GetMethod(nameof(CheckUpperBound))!;

    /// <summary>
    /// Throws when a sum or prod runs to int.MaxValue: its index would wrap around after the last term and the loop never
    /// end (a formula is untrusted text; <c>sum(i, 0, 2147483647, 1)</c> must not hang the caller).
    /// </summary>
    public static void CheckUpperBound(int last)
    {
        if (last == int.MaxValue)
            throw new OverflowException("A sum or prod in this formula runs to 2147483647 (int.MaxValue), where its index would overflow.");
    }

    /// <summary>-1, 0 or 1 by the sign of <paramref name="a"/>; NaN for NaN. Its derivative is 0 (see the rule table).</summary>
    public static double Sign(double a) => double.IsNaN(a) ? double.NaN : Math.Sign(a);

    /// <summary>Replaces <c>(double)Math.Sign(a)</c>, as Dynamic LINQ builds a formula's <c>sign(a)</c>, by <c>FormulaMath.Sign(a)</c>.</summary>
    public static Expression NanSafeSigns(Expression body) => new SignRewriter().Visit(body)!;

    private sealed class SignRewriter : GuardedExpressionVisitor
    {
        private static readonly MethodInfo MathSign = typeof(Math).GetMethod(nameof(Math.Sign), [typeof(double)])!;

        protected override Expression VisitUnary(UnaryExpression node)
            => node is { NodeType: ExpressionType.Convert, Type: var type, Operand: MethodCallExpression { Method: var method } call }
               && type == typeof(double) && method == MathSign
                ? Expression.Call(SignMethod, Visit(call.Arguments[0])!)
                : base.VisitUnary(node);
    }
}
