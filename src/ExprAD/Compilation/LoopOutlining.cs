using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Lowering;
using ExprAD.Translation;

namespace ExprAD.Compilation;

/// <summary>
/// Compiles each large loop nest of a large function as a method of its own, called once where the nest was.
/// The JIT allocates registers over a whole method: in one method holding a gradient's every loop (GMM's has hundreds
/// of locals), values that live across the hot inner loops but are not used in them kept registers the inner loops
/// needed, and the loops reloaded and stored their own values on every iteration. A nest on its own sees only its values.
/// </summary>
/// <remarks>
/// Variables the nest shares with the rest of the function are passed in: by value when the nest only reads them, by
/// reference when it writes them (copied into a local on entry and back on exit, so the loops work on a local).
/// Variables only the nest uses become its own locals. A nest that jumps to a label outside it stays where it is.
/// </remarks>
internal static class LoopOutlining
{
    /// <summary>
    /// Functions smaller than this many nodes are left whole. Measured on GMM in loop form: its function (745 nodes)
    /// ran 6-12% faster split, its gradient (1,821) 2-7%; the loss functions of a few hundred nodes have one nest each.
    /// </summary>
    public const int DefaultMinimumFunctionNodes = 700;

    /// <summary>A top-level statement is outlined when it has a loop inside a loop and at least this many nodes: smaller nests are not worth a call.</summary>
    private const int MinimumNestNodes = 200;

    /// <summary>The statements, with their large loop nests replaced by calls.</summary>
    /// <param name="statements">The function's top-level statements.</param>
    /// <param name="rest">Everything else of the function that may use its variables (checks, result).</param>
    /// <param name="locals">The function's local variables (the others it uses are its parameters).</param>
    /// <param name="minimumFunctionNodes">The size from which a function is split (<see cref="DefaultMinimumFunctionNodes"/>; 0 in tests, to split every nest).</param>
    /// <param name="knownTrips">Trip counts of loops with constant bounds, by break label (<see cref="IrEmitter.Emitted.KnownTrips"/>).</param>
    public static List<Expression> Run(
        List<Expression> statements, IReadOnlyList<Expression> rest, IReadOnlyCollection<ParameterExpression> locals, int minimumFunctionNodes,
        IReadOnlyDictionary<LabelTarget, int>? knownTrips = null)
    {
        var settings = new Settings(minimumFunctionNodes, knownTrips ?? new Dictionary<LabelTarget, int>());
        var sizes = statements.Select(NodeCounter.Count).ToList();
        if (sizes.Sum() < minimumFunctionNodes) return statements;
        var uses = statements.Concat(rest).Select(VariableUses.Of).ToList();
        var result = new List<Expression>(statements.Count);
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            if (sizes[i] < Math.Min(MinimumNestNodes, minimumFunctionNodes) || !HasNestedLoop(statement) || !JumpsStayInside(statement))
            {
                result.Add(statement);
                continue;
            }
            var elsewhere = new HashSet<ParameterExpression>(uses.Where((_, j) => j != i).SelectMany(u => u.Read.Concat(u.Written)));
            result.Add(OutlinedCall.To(statement, "loopNest", v => !elsewhere.Contains(v) && locals.Contains(v), settings));
        }
        return result;
    }

    /// <summary>What the outlining passes go by: the size threshold in force, and the loops' known trip counts.</summary>
    internal sealed record Settings(int MinimumFunctionNodes, IReadOnlyDictionary<LabelTarget, int> KnownTrips);

    internal sealed class NodeCounter : GuardedExpressionVisitor
    {
        private int _count;

        public static int Count(Expression node)
        {
            var counter = new NodeCounter();
            counter.Visit(node);
            return counter._count;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is not null) _count++;
            return base.Visit(node);
        }
    }

    /// <summary>Whether a statement has a loop inside a loop.</summary>
    private static bool HasNestedLoop(Expression statement)
        => OutermostLoops.In(statement).Any(loop => OutermostLoops.In(loop.Body).Count > 0);

    /// <summary>Whether every jump in a statement goes to a label the statement itself defines (<see cref="JumpFinder"/> finds the jumps).</summary>
    internal static bool JumpsStayInside(Expression statement) => JumpFinder.Targets(statement).All(LabelsDefined.In(statement).Contains);

    /// <summary>The labels a subtree defines: its label expressions and its loops' break and continue labels.</summary>
    private sealed class LabelsDefined : DistinctNodeFinder
    {
        private readonly HashSet<LabelTarget> _defined = [];

        public static HashSet<LabelTarget> In(Expression node)
        {
            var visitor = new LabelsDefined();
            visitor.Visit(node);
            return visitor._defined;
        }

        protected override Expression VisitLabel(LabelExpression node)
        {
            _defined.Add(node.Target);
            return base.VisitLabel(node);
        }

        protected override Expression VisitLoop(LoopExpression node)
        {
            if (node.BreakLabel is { } breakLabel) _defined.Add(breakLabel);
            if (node.ContinueLabel is { } continueLabel) _defined.Add(continueLabel);
            return base.VisitLoop(node);
        }
    }
}
