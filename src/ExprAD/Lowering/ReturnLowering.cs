using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

/// <summary>
/// Removes <c>return</c>: gotos to the label that ends a lambda body (<c>{ ...; return-label: default }</c>).
/// A return stores its value in a variable and sets a flag; inside a loop it then breaks, and every loop it
/// is nested in breaks after its inner loop when the flag is set; outside loops the statements after it run
/// only while the flag is clear. The body ends with <c>returned ? value : default</c>. Later passes see
/// only loops with breaks and conditionals, which they differentiate.
/// </summary>
internal sealed class ReturnLowering
{
    private readonly LabelTarget _label;
    private readonly HashSet<Expression> _returning;
    private readonly ParameterExpression _value;
    private readonly ParameterExpression _returned = Expression.Variable(typeof(bool), "returned");

    private ReturnLowering(LabelTarget label, HashSet<Expression> returning)
    {
        _label = label;
        _returning = returning;
        _value = Expression.Variable(label.Type, "returnValue");
    }

    public static Expression Run(Expression body)
    {
        var (statements, variables, final) = Split(body);
        if (final is null) return body;
        var returning = ReturnFinder.NodesContaining(body, final.Target);
        if (returning.Count == 0)
            return final == body ? FallThrough(final) : Expression.Block(body.Type, variables, statements.Append(FallThrough(final)));
        var lowering = new ReturnLowering(final.Target, returning);
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
            if (loopBreak is not null)
            {
                // A return inside an inner loop only left that loop: leave this one too.
                result.Add(Expression.IfThen(_returned, Expression.Break(loopBreak)));
                continue;
            }
            var rest = statements.Skip(k + 1).ToList();
            if (rest.Count > 0)
                result.Add(Expression.IfThen(Expression.Not(_returned), Expression.Block(typeof(void), Statements(rest, null))));
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
                return Expression.Loop(Rewrite(loop.Body, breakLabel), breakLabel, loop.ContinueLabel);
            default:
                // A return somewhere this pass does not restructure (inside an expression that has a value):
                // left as is, it is refused by the translator with the construct quoted.
                return node;
        }
    }

    private static bool IsStatement(ConditionalExpression conditional) => conditional.IfFalse is DefaultExpression;

    /// <summary>Finds the nodes whose subtree contains a goto to the given label, in one pass.</summary>
    private sealed class ReturnFinder(LabelTarget label) : GuardedExpressionVisitor
    {
        private readonly HashSet<Expression> _containing = new(ReferenceEqualityComparer.Instance);
        private int _found;

        public static HashSet<Expression> NodesContaining(Expression body, LabelTarget label)
        {
            var finder = new ReturnFinder(label);
            finder.Visit(body);
            return finder._containing;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            var before = _found;
            if (node is GotoExpression jump && jump.Target == label) _found++;
            base.Visit(node);
            if (_found > before) _containing.Add(node);
            return node;
        }
    }
}
