using System.Linq.Expressions;

namespace ExprAD.Tests.TestSupport;

/// <summary>Every node of an expression tree, for tests that look for a shape with LINQ instead of a visitor of their own.</summary>
public static class TreeNodes
{
    public static List<Expression> In(Expression tree)
    {
        var collector = new Collector();
        collector.Visit(tree);
        return collector.Nodes;
    }

    private sealed class Collector : ExpressionVisitor
    {
        public readonly List<Expression> Nodes = [];

        public override Expression? Visit(Expression? node)
        {
            if (node is not null) Nodes.Add(node);
            return base.Visit(node);
        }
    }
}
