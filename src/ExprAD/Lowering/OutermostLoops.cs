using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>The loops of a subtree that are not inside another loop of it.</summary>
internal sealed class OutermostLoops : DistinctNodeFinder
{
    private readonly List<LoopExpression> _loops = [];

    public static List<LoopExpression> In(Expression node)
    {
        var finder = new OutermostLoops();
        finder.Visit(node);
        return finder._loops;
    }

    protected override Expression VisitLoop(LoopExpression node)
    {
        _loops.Add(node);
        return node; // loops nested deeper are inside this one's body, which the caller searches
    }
}
