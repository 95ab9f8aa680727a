using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Lowering;

namespace ExprAD.Compilation;

/// <summary>
/// Inside a large outlined loop nest, compiles the body of an inner loop that itself holds loops as a method of its own,
/// called once per iteration. GMM's per-point loop runs, for each component, three loops forward and three in reverse;
/// in one method with the logsumexp's calls between them, the JIT kept the values those loops share with the rest of
/// the nest in registers and spilled the inner loops' own values (array lengths, the gradient array) on every
/// iteration. Called as a method, the component's loops see only their values. Measured in one process on GMM in loop
/// form: gradient 5-10% faster from d = 10 (d10_K5, d10_K25, d20_K10, d64_K10); at d = 2 the call cost as much as it
/// saved, hence the work threshold.
/// </summary>
/// <remarks>
/// The part of the body moved is the run of statements from its first loop to its last, widened by the neighbouring
/// statements that only set up or use values nothing outside reads (so the loop counters' starts move too, and the
/// values they leave behind are not passed back). The run must not jump out of itself. A variable becomes the method's
/// own local only when nothing outside the run uses it and the run never reads its incoming value
/// (<see cref="ReadBeforeWritten"/>): a value carried from one iteration of the enclosing loop to the next stays outside.
/// A run is moved only when it does enough work per call: its nodes, a loop's body counted once per iteration, with the
/// trip counts the emitter knew (constant bounds) and a small guess for the others.
/// </remarks>
internal static class LoopBodyOutlining
{
    /// <summary>Methods smaller than this are left whole: the register pressure this is for comes with size.</summary>
    private const int MinimumMethodNodes = 600;

    /// <summary>
    /// A run that executes fewer nodes than this per call (its loops' bodies counted once per iteration) is not worth a
    /// call per iteration.
    /// </summary>
    private const int MinimumRunWork = 1000;

    /// <summary>The iterations assumed of a loop whose trip count is not a constant (GMM's triangular loops, data-dependent exits).</summary>
    private const int UnknownTrips = 2;

    /// <summary>The method body with the qualifying loop bodies replaced by calls.</summary>
    /// <param name="method">A compiled method's body.</param>
    /// <param name="parameters">The method's parameters: never owned by a moved run.</param>
    /// <param name="settings">The threshold of <see cref="LoopOutlining"/> (the sizes here scale with it: 0 in tests outlines every qualifying body) and the known trip counts.</param>
    public static Expression Run(Expression method, IReadOnlyCollection<ParameterExpression> parameters, LoopOutlining.Settings settings)
    {
        if (LoopOutlining.NodeCounter.Count(method) < Scaled(MinimumMethodNodes, settings)) return method;
        return new Rewriter(new Lazy<Dictionary<ParameterExpression, int>>(() => VariableOccurrences.Count(method)), parameters, settings).Visit(method)!;
    }

    /// <summary>A threshold in proportion to the function threshold in force: itself by default, 0 when tests split everything.</summary>
    private static long Scaled(int threshold, LoopOutlining.Settings settings)
        => (long)threshold * settings.MinimumFunctionNodes / LoopOutlining.DefaultMinimumFunctionNodes;

    /// <param name="occurrences">How often each variable occurs in the whole method: counted only once a body qualifies by its work.</param>
    /// <param name="parameters">The method's parameters.</param>
    /// <param name="settings">Thresholds and known trip counts.</param>
    private sealed class Rewriter(Lazy<Dictionary<ParameterExpression, int>> occurrences, IReadOnlyCollection<ParameterExpression> parameters, LoopOutlining.Settings settings)
        : GuardedExpressionVisitor
    {
        private int _loopDepth;

        protected override Expression VisitLoop(LoopExpression node)
        {
            if (_loopDepth > 0 && node.Body is BlockExpression body && Outline(body) is { } outlined)
                return node.Update(node.BreakLabel, node.ContinueLabel, outlined);
            _loopDepth++;
            try
            {
                return base.VisitLoop(node);
            }
            finally
            {
                _loopDepth--;
            }
        }

        /// <summary>The body with its run of loops replaced by a call, or null when it does not qualify.</summary>
        private BlockExpression? Outline(BlockExpression body)
        {
            var statements = body.Expressions;
            var withLoops = Enumerable.Range(0, statements.Count).Where(i => OutermostLoops.In(statements[i]).Count > 0).ToList();
            if (withLoops.Count == 0) return null;
            int first = withLoops[0], last = withLoops[^1];
            if (body.Type != typeof(void) && last == statements.Count - 1) return null;
            // The run is at most the whole body: when even that is too little work, skip the variable counting below.
            var minimumWork = Scaled(MinimumRunWork, settings);
            if (statements.Sum(statement => Work.Of(statement, settings.KnownTrips)) < minimumWork) return null;
            if (!Enumerable.Range(first, last - first + 1).All(i => LoopOutlining.JumpsStayInside(statements[i]))) return null;
            while (first > 0 && CanJoin(statements, first - 1, first, last)) first--;
            while (last < statements.Count - 1 && CanJoin(statements, last + 1, first, last)) last++;
            var run = statements.Skip(first).Take(last - first + 1).ToList();
            var work = run.Sum(statement => Work.Of(statement, settings.KnownTrips));
            if (work < minimumWork) return null;
            if (ReadBeforeWritten.In(run) is not { } incoming) return null;

            var inRun = VariableOccurrences.Count(Expression.Block(run));
            bool Owns(ParameterExpression variable)
                => !parameters.Contains(variable) && !incoming.Contains(variable)
                    && occurrences.Value.GetValueOrDefault(variable) == inRun.GetValueOrDefault(variable);
            var call = OutlinedCall.To(Expression.Block(typeof(void), run), "loopBody", Owns, settings);
            return Expression.Block(body.Type, body.Variables, statements.Take(first).Append(call).Concat(statements.Skip(last + 1)));
        }

        /// <summary>
        /// Whether the statement next to the run can move with it: it does not jump, and no variable it writes is used
        /// outside the widened run (so nothing needs passing back, and a counter's start moves with its loop).
        /// </summary>
        private bool CanJoin(IReadOnlyList<Expression> statements, int candidate, int first, int last)
        {
            var statement = statements[candidate];
            if (!LoopOutlining.JumpsStayInside(statement)) return false;
            var from = Math.Min(candidate, first);
            var to = Math.Max(candidate, last);
            var inRun = VariableOccurrences.Count(Expression.Block(statements.Skip(from).Take(to - from + 1)));
            return VariableUses.Of(statement).Written.All(v => !parameters.Contains(v) && occurrences.Value.GetValueOrDefault(v) == inRun.GetValueOrDefault(v));
        }
    }

    /// <summary>The nodes a statement executes: a loop's body counts once per iteration (known, or <see cref="UnknownTrips"/>).</summary>
    private sealed class Work(IReadOnlyDictionary<LabelTarget, int> knownTrips) : GuardedExpressionVisitor
    {
        private long _work;
        private long _weight = 1;

        public static long Of(Expression statement, IReadOnlyDictionary<LabelTarget, int> knownTrips)
        {
            var work = new Work(knownTrips);
            work.Visit(statement);
            return work._work;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is not null) _work += _weight;
            return base.Visit(node);
        }

        protected override Expression VisitLoop(LoopExpression node)
        {
            var outer = _weight;
            var trips = node.BreakLabel is { } label && knownTrips.TryGetValue(label, out var known) ? known : UnknownTrips;
            _weight = Math.Min(_weight * trips, 1L << 40); // saturates: deep nests of large loops only need to count as large
            Visit(node.Body);
            _weight = outer;
            return node;
        }
    }

    /// <summary>How often each variable occurs in code, declarations not counted.</summary>
    private sealed class VariableOccurrences : GuardedExpressionVisitor
    {
        private readonly Dictionary<ParameterExpression, int> _counts = [];

        public static Dictionary<ParameterExpression, int> Count(Expression node)
        {
            var counter = new VariableOccurrences();
            counter.Visit(node);
            return counter._counts;
        }

        protected override Expression VisitBlock(BlockExpression node)
        {
            foreach (var expression in node.Expressions) Visit(expression);
            return node;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _counts[node] = _counts.GetValueOrDefault(node) + 1;
            return node;
        }
    }
}
