using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>The counted loop the Expression.Loop benchmark functions are built from.</summary>
internal static class ForLoops
{
    /// <summary><c>for (int name = start; name &lt; end; name++) body</c>, the test first.</summary>
    public static Expression For(string name, Expression start, Expression end, Func<ParameterExpression, Expression> body)
    {
        var counter = Expression.Variable(typeof(int), name);
        var done = Expression.Label(name + "Done");
        return Expression.Block([counter],
            Expression.Assign(counter, start),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.Not(Expression.LessThan(counter, end)), Expression.Break(done)),
                body(counter),
                Expression.PreIncrementAssign(counter)), done));
    }
}
