using System.Linq.Expressions;

namespace ExprAD.Diagnostics;

/// <summary>
/// A read-only walk that looks at each node object once. A tree may use one node in many places (a DAG built in a loop, say
/// <c>e = e + c * e</c>), and a plain <see cref="ExpressionVisitor"/> walks every path to it: time exponential in the depth of
/// the sharing. Finders whose answer depends only on which nodes a subtree holds (the variables it assigns, the labels it
/// jumps to, its loops) derive from this and take time linear in the distinct nodes. Nodes are returned unchanged.
/// </summary>
internal abstract class DistinctNodeFinder : GuardedExpressionVisitor
{
    private readonly HashSet<Expression> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many distinct nodes the walk has looked at.</summary>
    protected int DistinctNodes => _seen.Count;

    public override Expression? Visit(Expression? node) => node is null || !_seen.Add(node) ? node : base.Visit(node);
}
