using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// A loop that has a value (<c>Expression.Loop(body, label)</c> with a typed break label, left by <c>break label(v)</c>: an
/// iteration that returns what it converged to) becomes a variable, a loop without a value, and the variable:
/// <c>{ T value; loop { ... value = v; break; ... }; value }</c>. A break with a value from a nested loop becomes a jump to
/// an enclosing loop, which <see cref="OuterJumpLowering"/> then lowers.
/// </summary>
internal sealed class ValueLoopLowering : DistinctNodeRewriter
{
    public static Expression Run(Expression body) => new ValueLoopLowering().Visit(body)!;

    protected override Expression VisitLoop(LoopExpression node)
    {
        var loop = (LoopExpression)base.VisitLoop(node)!; // inner loops first
        if (loop.Type == typeof(void) || loop.BreakLabel is not { } valued) return loop;
        var value = Expression.Variable(loop.Type, valued.Name ?? "loopValue");
        var end = Expression.Label(valued.Name);
        var body = new BreakRewriter(valued, value, end).Visit(loop.Body)!;
        return Expression.Block(loop.Type, [value], Expression.Loop(body, end, loop.ContinueLabel), value);
    }

    /// <summary><c>break valued(v)</c> becomes <c>{ value = v; break end; }</c>, of the same type as the jump.</summary>
    private sealed class BreakRewriter(LabelTarget valued, ParameterExpression value, LabelTarget end) : DistinctNodeRewriter
    {
        protected override Expression VisitGoto(GotoExpression node)
        {
            var visited = (GotoExpression)base.VisitGoto(node)!;
            if (visited.Target != valued) return visited;
            return Expression.Block(visited.Type,
                Expression.Assign(value, visited.Value ?? Expression.Default(value.Type)),
                Expression.Break(end, visited.Type));
        }

        protected override Expression VisitLambda<T>(Expression<T> node) => node; // a label cannot be reached from inside a lambda
    }
}
