using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// For the passes that walk a tree path by path (<see cref="RectangularArrays"/>, <see cref="LoopArrayHoisting"/>). A tree may
/// use one node object in many places (a DAG), and walking every use takes time exponential in the depth of the sharing;
/// those passes first ask, in one walk that looks at each node once, whether the tree has a node they want at all, and then
/// walk it with a budget of visits (<see cref="Budget"/>), leaving the tree as it is when the budget runs out.
/// </summary>
internal sealed class Sharing : DistinctNodeFinder
{
    private readonly Func<Expression, bool> _wanted;
    private bool _found;

    private Sharing(Func<Expression, bool> wanted) => _wanted = wanted;

    /// <summary>Whether some node of <paramref name="body"/> is <paramref name="wanted"/>; <paramref name="budget"/>: the visits a walk of it may take.</summary>
    public static bool Finds(Expression body, Func<Expression, bool> wanted, out Budget budget)
    {
        var walk = new Sharing(wanted);
        walk.Visit(body);
        budget = new Budget(16 * walk.DistinctNodes + 10_000);
        return walk._found;
    }

    public override Expression? Visit(Expression? node)
    {
        if (node is not null && _wanted(node)) _found = true; // asked once per edge: a node seen before is not descended into
        return base.Visit(node);
    }

    /// <summary>Visits left to a walk; <see cref="Spend"/> throws <see cref="Exhausted"/> when none are.</summary>
    public sealed class Budget(int visits)
    {
        private int _left = visits;

        public void Spend()
        {
            if (--_left < 0) throw new Exhausted();
        }
    }

    /// <summary>A walk ran out of its budget: the tree shares too many nodes to be walked path by path.</summary>
    public sealed class Exhausted : Exception;
}
