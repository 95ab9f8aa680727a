using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Rules;

/// <summary>Partials of the arithmetic operators and of the branch-free select <c>c ? a : b</c>.</summary>
internal static class OperatorRules
{
    public static readonly IReadOnlyDictionary<ExpressionType, DerivativeRule> ByNodeType = new Dictionary<ExpressionType, DerivativeRule>
    {
        [ExpressionType.Add] = new("a + b", (b, a, r) => [b.Double(1), b.Double(1)]),
        [ExpressionType.Subtract] = new("a - b", (b, a, r) => [b.Double(1), b.Double(-1)]),
        [ExpressionType.Multiply] = new("a * b", (b, a, r) => [a[1], a[0]]),
        [ExpressionType.Divide] = new("a / b", (b, a, r) =>
        {
            var reciprocal = b.Divide(b.Double(1), a[1]);
            return [reciprocal, b.Negate(b.Multiply(r, reciprocal))];
        }),
        // a % b = a - trunc(a / b) * b, with trunc piecewise constant.
        [ExpressionType.Modulo] = new("a % b", (b, a, r) =>
            [b.Double(1), b.Negate(b.Call(MathMethods.Truncate, [b.Divide(a[0], a[1])], pure: true, active: false))]),
        [ExpressionType.Negate] = new("-a", (b, a, r) => [b.Double(-1)]),
        // The derivative flows through the side the condition picked; the condition itself has none.
        [ExpressionType.Conditional] = new("c ? a : b", (b, a, r) =>
            [null, b.Select(a[0], b.Double(1), b.Double(0)), b.Select(a[0], b.Double(0), b.Double(1))]),
    };
}
