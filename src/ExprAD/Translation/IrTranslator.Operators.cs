using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;
using ExprAD.Rules;

namespace ExprAD.Translation;

internal sealed partial class IrTranslator
{
    private Value Unary(UnaryExpression node)
    {
        switch (node.NodeType)
        {
            case ExpressionType.Convert or ExpressionType.ConvertChecked:
                return Convert(node);
            case ExpressionType.Quote or ExpressionType.TypeAs or ExpressionType.Unbox or ExpressionType.Throw:
                throw Errors.UnsupportedNode(node);
            case ExpressionType.Increment or ExpressionType.Decrement when node.Method is null && IsPrimitiveNumber(node.Type):
                // Expression.Increment(e) is e + 1 without assigning it (i + 1 in a loop bound, say): translated as that sum.
                return Binary(Expression.MakeBinary(node.NodeType == ExpressionType.Increment ? ExpressionType.Add : ExpressionType.Subtract,
                    node.Operand, Expression.Constant(System.Convert.ChangeType(1, node.Type), node.Type)));
        }
        var operand = Required(node.Operand);
        if (node.Method is not null)
        {
            if (operand.Active) throw Errors.UserOperator(node, node.Method);
            return _builder.Call(node.Method, [operand], pure: false, active: false);
        }
        return node.NodeType switch
        {
            ExpressionType.UnaryPlus => operand,
            ExpressionType.Negate or ExpressionType.NegateChecked when operand.Type == typeof(double) => _builder.Negate(operand),
            ExpressionType.Negate or ExpressionType.NegateChecked or ExpressionType.Not or ExpressionType.OnesComplement
                or ExpressionType.ArrayLength or ExpressionType.IsTrue or ExpressionType.IsFalse => _builder.Unary(node.NodeType, operand),
            _ => throw Errors.UnsupportedNode(node),
        };
    }

    private static bool IsCompoundAssignment(ExpressionType type) => type is ExpressionType.AddAssign or ExpressionType.AddAssignChecked
        or ExpressionType.SubtractAssign or ExpressionType.SubtractAssignChecked or ExpressionType.MultiplyAssign
        or ExpressionType.MultiplyAssignChecked or ExpressionType.DivideAssign or ExpressionType.ModuloAssign or ExpressionType.PowerAssign
        or ExpressionType.LeftShiftAssign or ExpressionType.RightShiftAssign or ExpressionType.AndAssign or ExpressionType.OrAssign
        or ExpressionType.ExclusiveOrAssign;

    private static bool IsPrimitiveNumber(Type type) => type == typeof(double) || type == typeof(int) || type == typeof(long);

    private Value Convert(UnaryExpression node)
    {
        var operand = Required(node.Operand);
        if (node.Method is not null)
        {
            if (operand.Active) throw Errors.UserOperator(node, node.Method);
            return _builder.Call(node.Method, [operand], pure: false, active: false);
        }
        if (node.Type != operand.Type) RefuseWholeInput(operand, node);
        // double -> float would silently drop the derivative; double -> int is piecewise constant (derivative 0).
        if (operand.Active && node.Type != typeof(double) && CarriesDerivative(node.Type)) throw Errors.LosesDerivative(node, node.Type);
        return _builder.Convert(operand, node.Type, isChecked: node.NodeType == ExpressionType.ConvertChecked);
    }

    private Value Binary(BinaryExpression node)
    {
        // The lowering rewrites compound assignments of variables and array elements; one left here (of a field, with a
        // user-defined operator or a conversion) would otherwise compute its value and drop the assignment.
        if (IsCompoundAssignment(node.NodeType))
            throw Errors.UnsupportedNode(node, "Compound assignments are supported on local variables and elements of local arrays, "
                + "with the built-in operators; write v = v op e.");
        var left = Required(node.Left);
        var right = Required(node.Right);
        if (node.Method is not null)
        {
            if (left.Active || right.Active) throw Errors.UserOperator(node, node.Method);
            return _builder.Call(node.Method, [left, right], pure: false, active: false);
        }
        var nodeType = node.NodeType;
        if (node.Left.Type == typeof(double))
        {
            // Overflow checks do not apply to doubles.
            nodeType = nodeType switch
            {
                ExpressionType.AddChecked => ExpressionType.Add,
                ExpressionType.SubtractChecked => ExpressionType.Subtract,
                ExpressionType.MultiplyChecked => ExpressionType.Multiply,
                _ => nodeType,
            };
        }
        if (nodeType == ExpressionType.ArrayIndex) return ReadElement(left, [right]);
        if (nodeType == ExpressionType.Coalesce) throw Errors.UnsupportedNode(node);
        var result = _builder.Binary(nodeType, left, right);
        if (result.Active && result.Definition is { Kind: OpKind.Binary } op && RuleTable.ForOperator(op.NodeType) is null)
            throw Errors.UnsupportedNode(node, $"The operator {op.NodeType} has no derivative rule.");
        return result;
    }

    private Value Assign(BinaryExpression node)
    {
        if (node.Left is IndexExpression element) return AssignElement(node, element);
        if (node.Left is not ParameterExpression variable)
            throw Errors.UnsupportedNode(node, "Only local variables and elements of local arrays can be assigned; fields and properties cannot.");
        var value = node.Right is NewArrayExpression array ? NewLocalArray(array, variable.Name) : Required(node.Right);
        if (IrBuilder.IsLocalArray(value) && _loop is not null)
            throw Errors.UnsupportedNode(node, "Assign local arrays to variables before loops, not inside them.");
        _variables[variable] = value;
        _generation++;
        return value;
    }

    private Value? Block(BlockExpression node)
    {
        // Variables are scoped to the block: what the names meant outside is restored on exit.
        Value? last = null;
        WithBlockScope(node, () =>
        {
            foreach (var expression in node.Expressions) last = Translate(expression);
        });
        return node.Type == typeof(void) ? null : last;
    }
}
