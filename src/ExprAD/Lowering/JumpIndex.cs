using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Whether a subtree jumps to one of some labels (a loop's break and continue), remembered for every node it has looked at:
/// the loop-jump lowering asks this of a statement, then of its branches, then of theirs, and a fresh search each time would
/// walk a nest of conditionals once per level (time quadratic in its depth).
/// </summary>
internal sealed class JumpIndex(params LabelTarget?[] labels) : GuardedExpressionVisitor
{
    private readonly Dictionary<Expression, bool> _jumps = new(ReferenceEqualityComparer.Instance);
    private bool _found;

    /// <summary>Whether <paramref name="node"/> contains a goto to one of the labels.</summary>
    public bool Jumps(Expression node)
    {
        if (!_jumps.TryGetValue(node, out var jumps))
        {
            _found = false;
            Visit(node);
            jumps = _jumps[node];
        }
        return jumps;
    }

    public override Expression? Visit(Expression? node)
    {
        if (node is null) return null;
        if (_jumps.TryGetValue(node, out var known))
        {
            _found |= known;
            return node;
        }
        var outer = _found;
        _found = node is GotoExpression jump && labels.Contains(jump.Target);
        base.Visit(node);
        _jumps[node] = _found;
        _found |= outer;
        return node;
    }
}
