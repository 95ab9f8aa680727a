using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Removes jumps to an enclosing loop's labels from inside a loop nested in it (<c>break outer</c> and <c>continue outer</c>
/// written in an inner loop), the way <see cref="ReturnLowering"/> removes returns: the jump sets a flag and breaks the loop
/// it is in; every loop between it and the target breaks at the top of its next iteration while the flag is set, and what
/// follows the inner loop in those bodies runs only while the flag is clear. The target loop's body then starts with
/// <c>if (broke) break; continued = false;</c>, its own break and the end of a continued iteration, which
/// <see cref="LoopJumpLowering"/> and the translator take as they take any loop's.
/// </summary>
/// <remarks>
/// Loops are rewritten innermost first, each for the jumps to its own labels, so jumps across several levels to several
/// targets get one pair of flags per target. A jump inside an expression that has a value (not a statement) is left as
/// it is and refused by the translator, quoted.
/// </remarks>
internal sealed class OuterJumpLowering : GuardedExpressionVisitor
{
    public static Expression Run(Expression body) => new OuterJumpLowering().Visit(body)!;

    // A tree may share node objects (a DAG): each is rewritten once, or the walk is exponential in the sharing depth.
    private readonly Dictionary<Expression, Expression> _done = new(ReferenceEqualityComparer.Instance);

    public override Expression? Visit(Expression? node)
    {
        if (node is null) return null;
        if (_done.TryGetValue(node, out var done)) return done;
        var result = base.Visit(node)!;
        _done[node] = result;
        return result;
    }

    protected override Expression VisitLoop(LoopExpression node)
    {
        var loop = (LoopExpression)base.VisitLoop(node)!; // inner loops first
        if (loop.Type != typeof(void) || loop.BreakLabel is null && loop.ContinueLabel is null) return loop;
        bool TargetsThisLoop(Expression e)
            => e is GotoExpression { Value: null } jump && (jump.Target == loop.BreakLabel || jump.Target == loop.ContinueLabel);
        var jumps = new HashSet<Expression>(ReferenceEqualityComparer.Instance);
        foreach (var inner in OutermostLoops.In(loop.Body))
            jumps.UnionWith(NodesContaining.Find(inner, TargetsThisLoop).Where(TargetsThisLoop));
        if (jumps.Count == 0) return loop;
        return new Rewriter(loop, jumps).Run();
    }

    private sealed class Rewriter
    {
        private readonly LoopExpression _loop;
        private readonly HashSet<Expression> _jumps;
        private readonly HashSet<Expression> _containing;
        private readonly HashSet<Expression> _throughLoops;
        private readonly ParameterExpression? _broke;
        private readonly ParameterExpression? _continued;

        /// <summary>Set while rewriting an inner loop's body when a jump from a loop nested in it needs the check at its top.</summary>
        private bool _breakAtTop;

        public Rewriter(LoopExpression loop, HashSet<Expression> jumps)
        {
            _loop = loop;
            _jumps = jumps;
            _containing = NodesContaining.Find(loop.Body, jumps.Contains);
            _throughLoops = NodesContaining.Find(loop.Body, node => node is LoopExpression && _containing.Contains(node));
            var targets = jumps.Cast<GotoExpression>().Select(j => j.Target).ToHashSet();
            if (loop.BreakLabel is { } breakLabel && targets.Contains(breakLabel)) _broke = Expression.Variable(typeof(bool), "brokeOuter");
            if (loop.ContinueLabel is { } continueLabel && targets.Contains(continueLabel)) _continued = Expression.Variable(typeof(bool), "continuedOuter");
        }

        /// <summary>Either flag: a jump to the target loop is on its way out of the loops inside it.</summary>
        private Expression Leaving => _broke is not null && _continued is not null ? Expression.OrElse(_broke, _continued) : (_broke ?? _continued)!;

        public Expression Run()
        {
            var top = new List<Expression>();
            if (_broke is not null) top.Add(Expression.IfThen(_broke, Expression.Break(_loop.BreakLabel!)));
            if (_continued is not null) top.Add(Expression.Assign(_continued, Expression.Constant(false)));
            var body = Expression.Block(typeof(void), top.Append(Rewrite(_loop.Body, loopBreak: null)));
            var flags = new[] { _broke, _continued }.OfType<ParameterExpression>().ToList();
            return Expression.Block(typeof(void), flags,
                flags.Select(flag => (Expression)Expression.Assign(flag, Expression.Constant(false)))
                    .Append(Expression.Loop(body, _loop.BreakLabel, _loop.ContinueLabel)));
        }

        /// <param name="statements">A block's statements.</param>
        /// <param name="loopBreak">The break label of the innermost loop around them inside the target; null in the target's own body.</param>
        private List<Expression> Statements(IReadOnlyList<Expression> statements, LabelTarget? loopBreak)
        {
            var result = new List<Expression>();
            for (var k = 0; k < statements.Count; k++)
            {
                var statement = statements[k];
                if (!_containing.Contains(statement))
                {
                    result.Add(statement);
                    continue;
                }
                result.Add(Rewrite(statement, loopBreak));
                if (loopBreak is not null && !_throughLoops.Contains(statement))
                    continue; // its jumps break this loop themselves
                var rest = statements.Skip(k + 1).ToList();
                if (loopBreak is not null && rest.Any(ReturnLowering.WritesArrayElements))
                {
                    // As for returns: a scratch array is recognised only when refilled at the top level of a loop body.
                    result.Add(Expression.IfThen(Leaving, Expression.Break(loopBreak)));
                    continue;
                }
                if (loopBreak is not null) _breakAtTop = true;
                if (rest.Count > 0)
                    result.Add(Expression.IfThen(Expression.Not(Leaving), Expression.Block(typeof(void), Statements(rest, loopBreak))));
                return result;
            }
            return result;
        }

        private Expression Rewrite(Expression node, LabelTarget? loopBreak)
        {
            StackGuard.Check();
            if (!_containing.Contains(node)) return node;
            switch (node)
            {
                case GotoExpression jump when _jumps.Contains(jump) && loopBreak is not null:
                    var flag = jump.Target == _loop.BreakLabel ? _broke! : _continued!;
                    return Expression.Block(typeof(void), Expression.Assign(flag, Expression.Constant(true)), Expression.Break(loopBreak));
                case BlockExpression block:
                    return Expression.Block(typeof(void), block.Variables, Statements(block.Expressions, loopBreak).DefaultIfEmpty(Expression.Empty()));
                case ConditionalExpression conditional when conditional.Type == typeof(void) || conditional.IfFalse is DefaultExpression:
                    return Expression.IfThenElse(conditional.Test, Rewrite(conditional.IfTrue, loopBreak), Rewrite(conditional.IfFalse, loopBreak));
                case LoopExpression inner when inner.Type == typeof(void):
                    var breakLabel = inner.BreakLabel ?? Expression.Label("loopEnd");
                    var outerBreakAtTop = _breakAtTop;
                    _breakAtTop = false;
                    var body = Rewrite(inner.Body, breakLabel);
                    if (_breakAtTop) body = Expression.Block(typeof(void), Expression.IfThen(Leaving, Expression.Break(breakLabel)), body);
                    _breakAtTop = outerBreakAtTop;
                    return Expression.Loop(body, breakLabel, inner.ContinueLabel);
                default:
                    // A jump this pass does not restructure (inside an expression that has a value, or the same node also
                    // used directly in the target's body): left as is, and refused by the translator, quoted.
                    return node;
            }
        }
    }
}
