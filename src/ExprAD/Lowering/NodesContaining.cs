using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>Finds the nodes whose subtree contains a node the predicate picks (themselves included), in one pass.</summary>
internal sealed class NodesContaining(Func<Expression, bool> picks) : GuardedExpressionVisitor
{
    private readonly HashSet<Expression> _containing = new(ReferenceEqualityComparer.Instance);
    private int _found;

    public static HashSet<Expression> Find(Expression body, Func<Expression, bool> picks)
    {
        var finder = new NodesContaining(picks);
        finder.Visit(body);
        return finder._containing;
    }

    private readonly HashSet<Expression> _visited = new(ReferenceEqualityComparer.Instance);

    public override Expression? Visit(Expression? node)
    {
        if (node is null) return null;
        // A shared node (the tree is a DAG) is walked once; later uses only repeat what it contained.
        if (!_visited.Add(node))
        {
            if (_containing.Contains(node)) _found++;
            return node;
        }
        var before = _found;
        if (picks(node)) _found++;
        base.Visit(node);
        if (_found > before) _containing.Add(node);
        return node;
    }
}
