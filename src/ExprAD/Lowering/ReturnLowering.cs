using System.Linq.Expressions;

namespace ExprAD.Lowering;

/// <summary>
/// Removes <c>return</c>: gotos to the label that ends a lambda body (<c>{ ...; return-label: default }</c>).
/// A return stores its value in a variable and sets a flag; inside a loop it then breaks. After a statement
/// that may have set the flag in an inner loop, the rest of the block runs only while the flag is clear, and
/// the enclosing loop breaks at the top of its next iteration when it is set; outside loops the statements
/// after a return likewise run only while the flag is clear (<see cref="FlaggedJumps"/>). The body ends with
/// <c>returned ? value : default</c>. Later passes see only loops with breaks and conditionals, which they differentiate.
/// </summary>
internal sealed class ReturnLowering : FlaggedJumps
{
    private readonly LabelTarget _label;
    private readonly ParameterExpression _value;
    private readonly ParameterExpression _returned = Expression.Variable(typeof(bool), "returned");

    private ReturnLowering(LabelTarget label, HashSet<Expression> returning, HashSet<Expression> returningThroughLoops)
        : base(returning, returningThroughLoops)
    {
        _label = label;
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

    protected override Expression Leaving => _returned;

    protected override Expression? Exit(GotoExpression jump, LabelTarget? loopBreak)
    {
        if (jump.Target != _label) return null;
        var store = new List<Expression>
        {
            Expression.Assign(_value, jump.Value ?? Expression.Default(_label.Type)),
            Expression.Assign(_returned, Expression.Constant(true)),
        };
        if (loopBreak is not null) store.Add(Expression.Break(loopBreak));
        return Expression.Block(typeof(void), store);
    }

    /// <summary>The body's statements, variables and final label, when it ends with one.</summary>
    private static (IReadOnlyList<Expression> Statements, IEnumerable<ParameterExpression> Variables, LabelExpression? Final) Split(Expression body) => body switch
    {
        LabelExpression label => ([], [], label),
        BlockExpression { Expressions: [.., LabelExpression label] } block => (block.Expressions.SkipLast(1).ToList(), block.Variables, label),
        _ => ([], [], null),
    };

    private static Expression FallThrough(LabelExpression label) => label.DefaultValue ?? Expression.Default(label.Type);
}
