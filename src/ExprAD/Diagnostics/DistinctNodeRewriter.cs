using System.Linq.Expressions;

namespace ExprAD.Diagnostics;

/// <summary>
/// A rewrite that handles each node object once and gives every use of it the same result. A tree may use one node in
/// many places (a DAG built in a loop), and a plain <see cref="ExpressionVisitor"/> visits every path to it: time
/// exponential in the depth of the sharing. Rewrites whose result depends only on the node derive from this.
/// </summary>
internal abstract class DistinctNodeRewriter : GuardedExpressionVisitor
{
    private readonly RewriteOnce _once;

    protected DistinctNodeRewriter() => _once = new RewriteOnce(base.Visit);

    public override Expression? Visit(Expression? node) => _once.Visit(node);
}

/// <summary>The memo behind <see cref="DistinctNodeRewriter"/>, for visitors that derive from another base.</summary>
internal sealed class RewriteOnce(Func<Expression?, Expression?> rewrite)
{
    private readonly Dictionary<Expression, Expression> _done = new(ReferenceEqualityComparer.Instance);

    /// <summary>The rewrite of <paramref name="node"/>, computed the first time it is asked for.</summary>
    public Expression? Visit(Expression? node)
    {
        if (node is null) return null;
        if (_done.TryGetValue(node, out var done)) return done;
        var result = rewrite(node)!;
        _done[node] = result;
        return result;
    }
}
