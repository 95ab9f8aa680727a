using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Removes <c>return</c>: gotos to the label that ends a lambda body (<c>{ ...; return-label: default }</c>).
/// A return stores its value in a variable and sets a flag; inside a loop it then breaks. After a statement
/// that may have set the flag in an inner loop, the rest of the block runs only while the flag is clear, and
/// the enclosing loop breaks at the top of its next iteration when it is set; outside loops the statements
/// after a return likewise run only while the flag is clear. The body ends with <c>returned ? value : default</c>.
/// Later passes see only loops with breaks and conditionals, which they differentiate.
/// </summary>
/// <remarks>
/// The break for a return in an inner loop comes first in the next iteration, not right after the inner loop: the
/// reverse of a loop recomputes the iteration that left up to its exit, and an exit after an inner loop would
/// copy that loop's whole reverse into the copy for the leaving iteration, at every level of a nest: code that
/// doubled with each level (a depth-4 nest of loops with returns made trees too large for the CLR to compile).
/// An exit before any work has nothing to recompute. Where the rest of the body writes array elements it keeps the exit
/// right after the inner loop, as scratch arrays are recognised only when refilled at the top level of a loop body.
/// </remarks>
internal sealed class ReturnLowering
{
    private readonly LabelTarget _label;
    private readonly HashSet<Expression> _returning;
    private readonly ParameterExpression _value;
    private readonly ParameterExpression _returned = Expression.Variable(typeof(bool), "returned");

    /// <summary>The nodes with a loop inside them (or that are one) which holds a return.</summary>
    private readonly HashSet<Expression> _returningThroughLoops;

    /// <summary>Set while rewriting a loop's body when a return in an inner loop needs the check at the top of this loop.</summary>
    private bool _breakAtTop;

    private ReturnLowering(LabelTarget label, HashSet<Expression> returning, HashSet<Expression> returningThroughLoops)
    {
        _label = label;
        _returning = returning;
        _returningThroughLoops = returningThroughLoops;
        _value = Expression.Variable(label.Type, "returnValue");
    }

    public static Expression Run(Expression body)
    {
        var (statements, variables, final) = Split(body);
        if (final is null) return body;
        var returning = NodesContaining.Find(body, node => node is GotoExpression jump && jump.Target == final.Target);
        if (returning.Count == 0)
            return final == body ? FallThrough(final) : Expression.Block(body.Type, variables, statements.Append(FallThrough(final)));
        var throughLoops = NodesContaining.Find(body, node => node is LoopExpression && returning.Contains(node));
        var lowering = new ReturnLowering(final.Target, returning, throughLoops);
        var rewritten = lowering.Statements(statements, loopBreak: null);
        rewritten.Add(Expression.Condition(lowering._returned, lowering._value, FallThrough(final)));
        return Expression.Block(body.Type, variables.Append(lowering._value).Append(lowering._returned), rewritten);
    }

    /// <summary>The body's statements, variables and final label, when it ends with one.</summary>
    private static (IReadOnlyList<Expression> Statements, IEnumerable<ParameterExpression> Variables, LabelExpression? Final) Split(Expression body) => body switch
    {
        LabelExpression label => ([], [], label),
        BlockExpression { Expressions: [.., LabelExpression label] } block => (block.Expressions.SkipLast(1).ToList(), block.Variables, label),
        _ => ([], [], null),
    };

    private static Expression FallThrough(LabelExpression label) => label.DefaultValue ?? Expression.Default(label.Type);

    private List<Expression> Statements(IReadOnlyList<Expression> statements, LabelTarget? loopBreak)
    {
        var result = new List<Expression>();
        for (var k = 0; k < statements.Count; k++)
        {
            var statement = statements[k];
            if (!_returning.Contains(statement))
            {
                result.Add(statement);
                continue;
            }
            result.Add(Rewrite(statement, loopBreak));
            if (loopBreak is not null && !_returningThroughLoops.Contains(statement))
                continue; // its returns break this loop themselves
            var rest = statements.Skip(k + 1).ToList();
            if (loopBreak is not null && rest.Any(WritesArrayElements))
            {
                // The rest may refill a scratch array, which is recognised only at the top level of a loop body, not
                // inside the guard below: leave this loop right after the inner one instead (its code then holds that
                // inner loop's reverse twice, once for the iteration that returned).
                result.Add(Expression.IfThen(_returned, Expression.Break(loopBreak)));
                continue;
            }
            // After a return outside loops, or one that only left an inner loop (this loop then breaks at the top of its next iteration).
            if (loopBreak is not null) _breakAtTop = true;
            if (rest.Count > 0)
                result.Add(Expression.IfThen(Expression.Not(_returned), Expression.Block(typeof(void), Statements(rest, loopBreak))));
            return result;
        }
        return result;
    }

    private Expression Rewrite(Expression node, LabelTarget? loopBreak)
    {
        StackGuard.Check();
        if (!_returning.Contains(node)) return node;
        switch (node)
        {
            case GotoExpression jump when jump.Target == _label:
                var store = new List<Expression>
                {
                    Expression.Assign(_value, jump.Value ?? Expression.Default(_label.Type)),
                    Expression.Assign(_returned, Expression.Constant(true)),
                };
                if (loopBreak is not null) store.Add(Expression.Break(loopBreak));
                return Expression.Block(typeof(void), store);
            case BlockExpression block:
                return Expression.Block(typeof(void), block.Variables, Statements(block.Expressions, loopBreak).DefaultIfEmpty(Expression.Empty()));
            case ConditionalExpression conditional when conditional.Type == typeof(void) || IsStatement(conditional):
                return Expression.IfThenElse(conditional.Test, Rewrite(conditional.IfTrue, loopBreak), Rewrite(conditional.IfFalse, loopBreak));
            case LoopExpression loop when loop.Type == typeof(void):
                var breakLabel = loop.BreakLabel ?? Expression.Label("loopEnd");
                var outerBreakAtTop = _breakAtTop;
                _breakAtTop = false;
                var body = Rewrite(loop.Body, breakLabel);
                if (_breakAtTop) body = Expression.Block(typeof(void), Expression.IfThen(_returned, Expression.Break(breakLabel)), body);
                _breakAtTop = outerBreakAtTop;
                return Expression.Loop(body, breakLabel, loop.ContinueLabel);
            default:
                // A return somewhere this pass does not restructure (inside an expression that has a value):
                // left as is, it is refused by the translator with the construct quoted.
                return node;
        }
    }

    private static bool IsStatement(ConditionalExpression conditional) => conditional.IfFalse is DefaultExpression;

    /// <summary>Whether the statement stores into an array element anywhere inside it (<c>a[i] = v</c>, <c>a[i] += v</c>, <c>a[i]++</c>).</summary>
    internal static bool WritesArrayElements(Expression statement)
        => NodesContaining.Find(statement, node => node switch
        {
            BinaryExpression { Left: IndexExpression } binary => Compilation.VariableUses.IsAssignment(binary.NodeType),
            UnaryExpression { Operand: IndexExpression } unary => Compilation.VariableUses.IsStep(unary.NodeType),
            _ => false,
        }).Count > 0;
}
