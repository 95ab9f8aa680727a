using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Breaks and continues the translator cannot take as loop exits (nested in branches or blocks,
/// <c>if (a) { if (b) break; ... }</c>, or a continue with a break after it) become flags: the jump sets its
/// flag, whatever follows it runs only while no flag is set, and the body starts with <c>if (broke) break;</c>,
/// a shape the translator turns into a loop exit. Loops whose jumps already have the translator's shapes are
/// left alone, so the usual loops keep their simple form.
/// </summary>
/// <remarks>
/// The flag's break comes at the top of the next iteration rather than at the end of the one that set it: the
/// reverse of a loop recomputes the iteration that left up to its exit, so an exit at the end of the body would
/// copy the whole body, inner loops and their reverses included, next to the copy for the other iterations, at
/// every level of a nest (code that doubled with each level). An exit before any work has nothing to recompute.
/// </remarks>
internal sealed class LoopJumpLowering : DistinctNodeRewriter
{
    public static Expression Run(Expression body) => new LoopJumpLowering().Visit(body)!;

    protected override Expression VisitLoop(LoopExpression node)
    {
        var loop = (LoopExpression)base.VisitLoop(node)!; // inner loops first
        if (loop.BreakLabel is null || loop.Type != typeof(void)) return loop;
        // Blocks that only wrap the body (block { block { ... } }) are looked through; their variables move to the body.
        var variables = new List<ParameterExpression>();
        var statements = (IReadOnlyList<Expression>)[loop.Body];
        while (statements.Count == 1 && statements[0] is BlockExpression wrapper)
        {
            variables.AddRange(wrapper.Variables);
            statements = wrapper.Expressions;
        }
        var jumps = new JumpIndex(loop.BreakLabel, loop.ContinueLabel);
        var continues = new JumpIndex(loop.ContinueLabel);
        // A continue inside a block nested in the body (a switch's cases, once lowered, sit in a block with the switch value;
        // ReturnLowering wraps a body in a block): the translator takes a continue only where nothing of the iteration follows
        // the statement list it is in, so such blocks are opened into the body, their variables moving to the body.
        var opened = loop.ContinueLabel is not null && statements.Any(s => s is BlockExpression && continues.Jumps(s));
        if (opened) statements = Open(statements, variables, continues, outside: []);
        if (!statements.Any(s => IsDeep(s, loop, jumps)) && !BreakFollowsContinue(statements, loop, jumps, continues) || JumpsFromInnerLoop(loop, jumps))
            return opened ? Expression.Loop(Expression.Block(typeof(void), variables, statements), loop.BreakLabel, loop.ContinueLabel) : loop;

        // From the first statement the translator would refuse to the end of the body, every jump becomes a
        // flag and what follows a jump runs only while no flag is set; the iteration then ends normally (which
        // is what a continue does) and the loop breaks at the top of the next one if a break flag was set.
        var rewriter = new Rewriter(loop.BreakLabel, loop.ContinueLabel, jumps);
        // A top-level continue before that point is lowered too: the translator takes a continue only where no jump follows it.
        var first = statements.ToList().FindIndex(s => IsDeep(s, loop, jumps) || loop.ContinueLabel is not null && continues.Jumps(s));
        var body = new List<Expression>
        {
            Expression.IfThen(rewriter.Broke, Expression.Break(loop.BreakLabel)),
            Expression.Assign(rewriter.Continued, Expression.Constant(false)),
        };
        body.AddRange(statements.Take(first));
        body.AddRange(rewriter.Statements(statements.Skip(first).ToList()));
        var rewritten = Expression.Loop(Expression.Block(typeof(void), variables, body), loop.BreakLabel, loop.ContinueLabel);
        return Expression.Block(typeof(void), [rewriter.Broke, rewriter.Continued],
            Expression.Assign(rewriter.Broke, Expression.Constant(false)), rewritten);
    }

    /// <summary>
    /// The statements with every block that holds a continue replaced by its own statements (recursively); its variables join
    /// <paramref name="variables"/>. <paramref name="outside"/>: the rest of the loop body, around these statements.
    /// </summary>
    private static List<Expression> Open(IReadOnlyList<Expression> statements, List<ParameterExpression> variables, JumpIndex continues,
        IReadOnlyList<Expression> outside)
    {
        var result = new List<Expression>();
        foreach (var statement in statements)
        {
            // Not a block whose variables the rest of the body also names (the same variable object declared again in another
            // scope): in one scope they would become one variable.
            var rest = statements.Where(other => other != statement).Concat(outside).ToList();
            if (statement is BlockExpression block && continues.Jumps(block) && !rest.Any(other => Names(other, block.Variables)))
            {
                variables.AddRange(block.Variables);
                result.AddRange(Open(block.Expressions, variables, continues, rest));
            }
            else
                result.Add(statement);
        }
        return result;
    }

    private static bool Names(Expression node, IReadOnlyCollection<ParameterExpression> variables)
        => variables.Count > 0 && ParameterFinder.In(node).Overlaps(variables);

    /// <summary>The variables a subtree mentions.</summary>
    private sealed class ParameterFinder : DistinctNodeFinder
    {
        private readonly HashSet<ParameterExpression> _found = [];

        public static HashSet<ParameterExpression> In(Expression node)
        {
            var finder = new ParameterFinder();
            finder.Visit(node);
            return finder._found;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            _found.Add(node);
            return node;
        }
    }

    /// <summary>A statement with a jump of this loop in a place the translator does not take as an exit.</summary>
    private static bool IsDeep(Expression statement, LoopExpression loop, JumpIndex jumps)
    {
        bool Jumps(Expression node) => jumps.Jumps(node);
        bool IsJump(Expression node) => node is GotoExpression { Value: null } g && (g.Target == loop.BreakLabel || g.Target == loop.ContinueLabel)
                                        || node is BlockExpression { Variables.Count: 0, Expressions: [var only] } && IsJump(only);
        return statement switch
        {
            _ when !Jumps(statement) => false,
            GotoExpression => false,
            BlockExpression block => block.Expressions.Any(s => IsDeep(s, loop, jumps)),
            ConditionalExpression c when IsJump(c.IfTrue) => Jumps(c.IfFalse),
            ConditionalExpression c when IsJump(c.IfFalse) => Jumps(c.IfTrue),
            ConditionalExpression { IfFalse: DefaultExpression, IfTrue: BlockExpression { Expressions.Count: > 1 } branch } when IsJump(branch.Expressions[^1])
                => branch.Expressions[^1] is not GotoExpression { Target: var target } || target != loop.BreakLabel || branch.Expressions.SkipLast(1).Any(Jumps),
            _ => true,
        };
    }

    /// <summary>A top-level continue with a jump after it: the translator takes a continue only where nothing that jumps follows.</summary>
    private static bool BreakFollowsContinue(IReadOnlyList<Expression> statements, LoopExpression loop, JumpIndex jumps, JumpIndex continues)
    {
        if (loop.ContinueLabel is null) return false;
        var flat = Flatten(statements).ToList();
        for (var k = 0; k < flat.Count - 1; k++)
            if (continues.Jumps(flat[k]) && flat.Skip(k + 1).Any(jumps.Jumps))
                return true;
        return false;
    }

    /// <summary>The statements in the order they run, nested statement blocks expanded in place.</summary>
    private static IEnumerable<Expression> Flatten(IEnumerable<Expression> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is BlockExpression block)
                foreach (var inner in Flatten(block.Expressions)) yield return inner;
            else
                yield return statement;
        }
    }

    /// <summary>A jump to this loop's labels from inside a loop nested in it: not lowered (the translator refuses it, quoting it).</summary>
    private static bool JumpsFromInnerLoop(LoopExpression loop, JumpIndex jumps)
        => OutermostLoops.In(loop.Body).Any(inner => jumps.Jumps(inner.Body));

    private sealed class Rewriter(LabelTarget breakLabel, LabelTarget? continueLabel, JumpIndex jumps)
    {
        public ParameterExpression Broke { get; } = Expression.Variable(typeof(bool), "broke");
        public ParameterExpression Continued { get; } = Expression.Variable(typeof(bool), "continued");

        private bool Jumps(Expression node) => jumps.Jumps(node);

        public Expression Rewrite(Expression node)
        {
            StackGuard.Check();
            if (!Jumps(node)) return node;
            switch (node)
            {
                case GotoExpression jump when jump.Target == breakLabel:
                    return Expression.Assign(Broke, Expression.Constant(true));
                case GotoExpression jump when jump.Target == continueLabel:
                    return Expression.Assign(Continued, Expression.Constant(true));
                case BlockExpression block:
                    return Expression.Block(typeof(void), block.Variables, Statements(block.Expressions));
                case ConditionalExpression conditional:
                    return Expression.IfThenElse(conditional.Test, Rewrite(conditional.IfTrue), Rewrite(conditional.IfFalse));
                default:
                    return node; // e.g. a jump from an inner loop: left for the translator to refuse, quoted
            }
        }

        public List<Expression> Statements(IReadOnlyList<Expression> statements)
        {
            var result = new List<Expression>();
            for (var k = 0; k < statements.Count; k++)
            {
                if (!Jumps(statements[k]))
                {
                    result.Add(statements[k]);
                    continue;
                }
                result.Add(Rewrite(statements[k]));
                var rest = statements.Skip(k + 1).ToList();
                if (rest.Count > 0)
                    result.Add(Expression.IfThen(Expression.Not(Expression.OrElse(Broke, Continued)), Expression.Block(typeof(void), Statements(rest))));
                break;
            }
            if (result.Count == 0) result.Add(Expression.Empty());
            return result;
        }
    }
}
