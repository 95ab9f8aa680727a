using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// <c>switch (v) { case a: case b: ...; default: ... }</c> becomes <c>{ t = v; t == a || t == b ? ... : ... }</c>: the value
/// is evaluated once, the cases are tested in order with the switch's own comparison (its equality method, or ==), and the
/// first that matches runs, as <c>Expression.Switch</c> does. Done first, so that breaks, continues and returns inside
/// the cases are seen by the jump lowerings as the conditionals they now are.
/// </summary>
internal sealed class SwitchLowering : DistinctNodeRewriter
{
    public static Expression Run(Expression body) => new SwitchLowering().Visit(body)!;

    protected override Expression VisitSwitch(SwitchExpression node)
    {
        var visited = (SwitchExpression)base.VisitSwitch(node)!;
        var value = Expression.Variable(visited.SwitchValue.Type, "switchValue");
        var result = visited.DefaultBody ?? Expression.Empty();
        for (var k = visited.Cases.Count - 1; k >= 0; k--)
        {
            var switchCase = visited.Cases[k];
            var test = switchCase.TestValues.Select(t => Matches(visited, value, t)).Aggregate(Expression.OrElse);
            result = Expression.Condition(test, switchCase.Body, result, visited.Type);
        }
        return Expression.Block(visited.Type, [value], Expression.Assign(value, visited.SwitchValue), result);
    }

    private static Expression Matches(SwitchExpression node, ParameterExpression value, Expression testValue)
    {
        if (node.Comparison is not { } comparison) return Expression.Equal(value, testValue);
        var parameters = comparison.GetParameters();
        Expression Argument(Expression e, int k) => e.Type == parameters[k].ParameterType ? e : Expression.Convert(e, parameters[k].ParameterType);
        return comparison.IsStatic
            ? Expression.Call(comparison, Argument(value, 0), Argument(testValue, 1))
            : Expression.Call(value, comparison, Argument(testValue, 0));
    }
}
