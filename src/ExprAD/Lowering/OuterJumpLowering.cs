using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Removes jumps to an enclosing loop's labels from inside a loop nested in it (<c>break outer</c> and <c>continue outer</c>
/// written in an inner loop), the way <see cref="ReturnLowering"/> removes returns (<see cref="FlaggedJumps"/>): the jump sets
/// a flag and breaks the loop it is in; every loop between it and the target breaks at the top of its next iteration while
/// the flag is set, and what follows the inner loop in those bodies runs only while the flag is clear. The target loop's
/// body then starts with <c>if (broke) break; continued = false;</c>, its own break and the end of a continued iteration,
/// which <see cref="LoopJumpLowering"/> and the translator take as they take any loop's.
/// </summary>
/// <remarks>
/// Loops are rewritten innermost first, each for the jumps to its own labels, so jumps across several levels to several
/// targets get one pair of flags per target. A jump inside an expression that has a value (not a statement) is left as
/// it is and refused by the translator, quoted.
/// </remarks>
internal sealed class OuterJumpLowering : DistinctNodeRewriter
{
    public static Expression Run(Expression body) => new OuterJumpLowering().Visit(body)!;

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
        var containing = NodesContaining.Find(loop.Body, jumps.Contains);
        var throughLoops = NodesContaining.Find(loop.Body, n => n is LoopExpression && containing.Contains(n));
        return new Rewriter(loop, jumps, containing, throughLoops).Run();
    }

    private sealed class Rewriter : FlaggedJumps
    {
        private readonly LoopExpression _loop;
        private readonly HashSet<Expression> _jumps;
        private readonly ParameterExpression? _broke;
        private readonly ParameterExpression? _continued;

        public Rewriter(LoopExpression loop, HashSet<Expression> jumps, HashSet<Expression> containing, HashSet<Expression> throughLoops)
            : base(containing, throughLoops)
        {
            _loop = loop;
            _jumps = jumps;
            var targets = jumps.Cast<GotoExpression>().Select(j => j.Target).ToHashSet();
            if (loop.BreakLabel is { } breakLabel && targets.Contains(breakLabel)) _broke = Expression.Variable(typeof(bool), "brokeOuter");
            if (loop.ContinueLabel is { } continueLabel && targets.Contains(continueLabel)) _continued = Expression.Variable(typeof(bool), "continuedOuter");
        }

        /// <summary>Either flag: a jump to the target loop is on its way out of the loops inside it.</summary>
        protected override Expression Leaving => _broke is not null && _continued is not null ? Expression.OrElse(_broke, _continued) : (_broke ?? _continued)!;

        /// <summary>A jump to the target from a nested loop; the same node used directly in the target's body stays a jump.</summary>
        protected override Expression? Exit(GotoExpression jump, LabelTarget? loopBreak)
        {
            if (!_jumps.Contains(jump) || loopBreak is null) return null;
            var flag = jump.Target == _loop.BreakLabel ? _broke! : _continued!;
            return Expression.Block(typeof(void), Expression.Assign(flag, Expression.Constant(true)), Expression.Break(loopBreak));
        }

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
    }
}
