using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Translation;

internal sealed partial class IrTranslator
{
    /// <summary>
    /// <c>c ? a : b</c>. Each side is translated into its own block, so only the side taken runs (it may
    /// read x[i] guarded by the condition). When neither side needed any code of its own the result is a
    /// branch-free select. Variables assigned on either side are joined after the if.
    /// </summary>
    private Value? Conditional(ConditionalExpression node)
    {
        var condition = Required(node.Test);
        if (condition.IsConstant && condition.ConstantValue is bool taken)
            return Translate(taken ? node.IfTrue : node.IfFalse);

        var outer = _builder.Current;
        var before = _variables;
        var whenTrue = new Block(outer);
        var whenFalse = new Block(outer);

        _builder.Current = whenTrue;
        _variables = new Dictionary<ParameterExpression, Value>(before, ReferenceEqualityComparer.Instance);
        _generation++;
        var trueValue = Translate(node.IfTrue);
        var afterTrue = _variables;

        _builder.Current = whenFalse;
        _variables = new Dictionary<ParameterExpression, Value>(before, ReferenceEqualityComparer.Instance);
        _generation++;
        var falseValue = Translate(node.IfFalse);
        var afterFalse = _variables;

        _builder.Current = outer;
        _variables = before;
        _generation++;

        var changed = afterTrue.Keys.Union(afterFalse.Keys, ReferenceEqualityComparer.Instance).Cast<ParameterExpression>()
            // Assigned on either side: also when both sides assign the same value (flag = true on both).
            .Where(v => afterTrue.GetValueOrDefault(v) != afterFalse.GetValueOrDefault(v) || afterTrue.GetValueOrDefault(v) != before.GetValueOrDefault(v))
            .ToList();
        var hasResult = node.Type != typeof(void) && trueValue is not null && falseValue is not null;
        // Choosing between x and another array would hide which reads are reads of x.
        if (hasResult && trueValue != falseValue) { RefuseWholeInput(trueValue!, node); RefuseWholeInput(falseValue!, node); }
        foreach (var variable in changed)
            if (ValueAfter(afterTrue, variable) is var t && ValueAfter(afterFalse, variable) is var f && t != f)
            {
                RefuseWholeInput(t, node);
                RefuseWholeInput(f, node);
            }

        if (whenTrue.Instructions.Count == 0 && whenFalse.Instructions.Count == 0)
        {
            foreach (var variable in changed)
                _variables[variable] = _builder.Select(condition, ValueAfter(afterTrue, variable), ValueAfter(afterFalse, variable));
            return hasResult ? _builder.Select(condition, trueValue!, falseValue!) : null;
        }

        var branch = new IfInstr(condition, whenTrue, whenFalse);
        outer.Instructions.Add(branch);
        foreach (var variable in changed)
            _variables[variable] = Join(branch, ValueAfter(afterTrue, variable), ValueAfter(afterFalse, variable));
        return hasResult ? Join(branch, trueValue!, falseValue!) : null;
    }

    private Value ValueAfter(Dictionary<ParameterExpression, Value> variables, ParameterExpression variable)
        => variables.TryGetValue(variable, out var value) ? value : DefaultOf(variable.Type);

    private Value Join(IfInstr branch, Value whenTrue, Value whenFalse)
    {
        if (whenTrue == whenFalse) return whenTrue;
        var result = _builder.NewValue(whenTrue.Type, whenTrue.Active || whenFalse.Active);
        branch.Joins.Add(new Join(result, whenTrue, whenFalse));
        return result;
    }
}
