using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// The rewrite <see cref="ReturnLowering"/> and <see cref="OuterJumpLowering"/> share: jumps that leave loops nested in the
/// code being rewritten become flags. A jump sets its flag (<see cref="Exit"/>) and breaks the loop it is in; each loop it
/// crosses breaks at the top of its next iteration while the flag is set, and the statements after one that may have
/// set the flag run only while it is clear (<see cref="Leaving"/>).
/// </summary>
/// <remarks>
/// The break for a jump from an inner loop comes first in the next iteration, not right after the inner loop: the reverse
/// of a loop recomputes the iteration that left up to its exit, and an exit after an inner loop would copy that loop's
/// whole reverse into the copy for the leaving iteration, at every level of a nest: code that doubled with each level (a
/// depth-4 nest of loops with returns made trees too large for the CLR to compile). An exit before any work has nothing
/// to recompute. Where the rest of the body writes array elements it keeps the exit right after the inner loop, as
/// scratch arrays are recognised only when refilled at the top level of a loop body.
/// </remarks>
internal abstract class FlaggedJumps(HashSet<Expression> containing, HashSet<Expression> throughLoops)
{
    /// <summary>Set while rewriting a loop's body when a jump from a loop nested in it needs the check at its top.</summary>
    private bool _breakAtTop;

    /// <summary>True once a jump has set its flag: the code it skips must not run.</summary>
    protected abstract Expression Leaving { get; }

    /// <summary>What a jump becomes (sets its flag, and breaks <paramref name="loopBreak"/> when inside a loop); null to leave it as is.</summary>
    protected abstract Expression? Exit(GotoExpression jump, LabelTarget? loopBreak);

    /// <param name="statements">A block's statements.</param>
    /// <param name="loopBreak">The break label of the innermost loop around them inside the rewritten code; null outside loops.</param>
    protected List<Expression> Statements(IReadOnlyList<Expression> statements, LabelTarget? loopBreak)
    {
        var result = new List<Expression>();
        for (var k = 0; k < statements.Count; k++)
        {
            var statement = statements[k];
            if (!containing.Contains(statement))
            {
                result.Add(statement);
                continue;
            }
            result.Add(Rewrite(statement, loopBreak));
            if (loopBreak is not null && !throughLoops.Contains(statement))
                continue; // its jumps break this loop themselves
            var rest = statements.Skip(k + 1).ToList();
            if (loopBreak is not null && rest.Any(WritesArrayElements))
            {
                // The rest may refill a scratch array, which is recognised only at the top level of a loop body, not
                // inside the guard below: leave this loop right after the inner one instead (its code then holds that
                // inner loop's reverse twice, once for the iteration that jumped).
                result.Add(Expression.IfThen(Leaving, Expression.Break(loopBreak)));
                continue;
            }
            // After a jump outside loops, or one that only left an inner loop (this loop then breaks at the top of its next iteration).
            if (loopBreak is not null) _breakAtTop = true;
            if (rest.Count > 0)
                result.Add(Expression.IfThen(Expression.Not(Leaving), Expression.Block(typeof(void), Statements(rest, loopBreak))));
            return result;
        }
        return result;
    }

    protected Expression Rewrite(Expression node, LabelTarget? loopBreak)
    {
        StackGuard.Check();
        if (!containing.Contains(node)) return node;
        switch (node)
        {
            case GotoExpression jump when Exit(jump, loopBreak) is { } exit:
                return exit;
            case BlockExpression block:
                return Expression.Block(typeof(void), block.Variables, Statements(block.Expressions, loopBreak).DefaultIfEmpty(Expression.Empty()));
            case ConditionalExpression conditional when conditional.Type == typeof(void) || conditional.IfFalse is DefaultExpression:
                return Expression.IfThenElse(conditional.Test, Rewrite(conditional.IfTrue, loopBreak), Rewrite(conditional.IfFalse, loopBreak));
            case LoopExpression loop when loop.Type == typeof(void):
                var breakLabel = loop.BreakLabel ?? Expression.Label("loopEnd");
                var outerBreakAtTop = _breakAtTop;
                _breakAtTop = false;
                var body = Rewrite(loop.Body, breakLabel);
                if (_breakAtTop) body = Expression.Block(typeof(void), Expression.IfThen(Leaving, Expression.Break(breakLabel)), body);
                _breakAtTop = outerBreakAtTop;
                return Expression.Loop(body, breakLabel, loop.ContinueLabel);
            default:
                // A jump somewhere this pass does not restructure (inside an expression that has a value): left as is,
                // it is refused by the translator with the construct quoted.
                return node;
        }
    }

    /// <summary>Whether the statement stores into an array element anywhere inside it (<c>a[i] = v</c>, <c>a[i] += v</c>, <c>a[i]++</c>).</summary>
    private static bool WritesArrayElements(Expression statement)
        => NodesContaining.Find(statement, node => node switch
        {
            BinaryExpression { Left: IndexExpression } binary => Compilation.VariableUses.IsAssignment(binary.NodeType),
            UnaryExpression { Operand: IndexExpression } unary => Compilation.VariableUses.IsStep(unary.NodeType),
            _ => false,
        }).Count > 0;
}
