using System.Linq.Expressions;

namespace ExprAD.Printing;

/// <summary>Binary, unary, conditional and type-test operators.</summary>
internal sealed partial class CSharpWriter
{
    /// <summary>
    /// How an infix operator is spelled (with its surrounding spaces, e.g. <c>" + "</c>) and binds.
    /// Checked variants share the unchecked spelling.
    /// </summary>
    private readonly record struct InfixOperator(string SpacedToken, Precedence Precedence, bool IsRightAssociative);

    private static InfixOperator? GetInfixOperator(ExpressionType nodeType) => nodeType switch
    {
        ExpressionType.Add or ExpressionType.AddChecked => new(" + ", Precedence.Additive, false),
        ExpressionType.Subtract or ExpressionType.SubtractChecked => new(" - ", Precedence.Additive, false),
        ExpressionType.Multiply or ExpressionType.MultiplyChecked => new(" * ", Precedence.Multiplicative, false),
        ExpressionType.Divide => new(" / ", Precedence.Multiplicative, false),
        ExpressionType.Modulo => new(" % ", Precedence.Multiplicative, false),
        ExpressionType.LeftShift => new(" << ", Precedence.Shift, false),
        ExpressionType.RightShift => new(" >> ", Precedence.Shift, false),
        ExpressionType.LessThan => new(" < ", Precedence.Relational, false),
        ExpressionType.LessThanOrEqual => new(" <= ", Precedence.Relational, false),
        ExpressionType.GreaterThan => new(" > ", Precedence.Relational, false),
        ExpressionType.GreaterThanOrEqual => new(" >= ", Precedence.Relational, false),
        ExpressionType.Equal => new(" == ", Precedence.Equality, false),
        ExpressionType.NotEqual => new(" != ", Precedence.Equality, false),
        ExpressionType.And => new(" & ", Precedence.LogicalAnd, false),
        ExpressionType.ExclusiveOr => new(" ^ ", Precedence.LogicalXor, false),
        ExpressionType.Or => new(" | ", Precedence.LogicalOr, false),
        ExpressionType.AndAlso => new(" && ", Precedence.ConditionalAnd, false),
        ExpressionType.OrElse => new(" || ", Precedence.ConditionalOr, false),
        ExpressionType.Coalesce => new(" ?? ", Precedence.Coalesce, true),
        ExpressionType.Assign => new(" = ", Precedence.Assignment, true),
        ExpressionType.AddAssign or ExpressionType.AddAssignChecked => new(" += ", Precedence.Assignment, true),
        ExpressionType.SubtractAssign or ExpressionType.SubtractAssignChecked => new(" -= ", Precedence.Assignment, true),
        ExpressionType.MultiplyAssign or ExpressionType.MultiplyAssignChecked => new(" *= ", Precedence.Assignment, true),
        ExpressionType.DivideAssign => new(" /= ", Precedence.Assignment, true),
        ExpressionType.ModuloAssign => new(" %= ", Precedence.Assignment, true),
        ExpressionType.AndAssign => new(" &= ", Precedence.Assignment, true),
        ExpressionType.OrAssign => new(" |= ", Precedence.Assignment, true),
        ExpressionType.ExclusiveOrAssign => new(" ^= ", Precedence.Assignment, true),
        ExpressionType.LeftShiftAssign => new(" <<= ", Precedence.Assignment, true),
        ExpressionType.RightShiftAssign => new(" >>= ", Precedence.Assignment, true),
        _ => null,
    };

    private static bool IsChecked(ExpressionType nodeType) => nodeType is ExpressionType.AddChecked
        or ExpressionType.SubtractChecked or ExpressionType.MultiplyChecked or ExpressionType.AddAssignChecked
        or ExpressionType.SubtractAssignChecked or ExpressionType.MultiplyAssignChecked;

    private static Precedence BinaryPrecedence(ExpressionType nodeType)
    {
        if (nodeType == ExpressionType.PowerAssign)
        {
            return Precedence.Assignment; // a = Math.Pow(a, b)
        }

        // checked(...), Math.Pow(...) and a[i] are primary.
        return !IsChecked(nodeType) && GetInfixOperator(nodeType) is { } infix ? infix.Precedence : Precedence.Primary;
    }

    private static Precedence UnaryPrecedence(ExpressionType nodeType) => nodeType switch
    {
        ExpressionType.Negate or ExpressionType.UnaryPlus or ExpressionType.Not or ExpressionType.OnesComplement
            or ExpressionType.Convert or ExpressionType.Unbox
            or ExpressionType.PreIncrementAssign or ExpressionType.PreDecrementAssign => Precedence.Unary,
        ExpressionType.Increment or ExpressionType.Decrement => Precedence.Additive, // x + 1
        ExpressionType.TypeAs => Precedence.Relational,
        ExpressionType.Quote or ExpressionType.Throw => Precedence.Assignment,
        _ => Precedence.Primary,
    };

    private void WriteBinary(BinaryExpression node)
    {
        switch (node.NodeType)
        {
            case ExpressionType.ArrayIndex:
                WriteOperand(node.Left, Precedence.Primary);
                Write("[");
                WriteExpression(node.Right);
                Write("]");
                return;
            case ExpressionType.Power:
                WritePow(node);
                return;
            case ExpressionType.PowerAssign:
                WriteOperand(node.Left, Precedence.Unary);
                Write(" = ");
                WritePow(node);
                return;
        }

        if (GetInfixOperator(node.NodeType) is not { } infix)
        {
            WriteUnknown(node);
            return;
        }

        if (IsChecked(node.NodeType))
        {
            Write("checked(");
            WriteInfix(node, infix);
            Write(")");
        }
        else
        {
            WriteInfix(node, infix);
        }
    }

    private void WritePow(BinaryExpression node)
    {
        Write("Math.Pow(");
        WriteOperand(node.Left, Precedence.Assignment);
        Write(", ");
        WriteOperand(node.Right, Precedence.Assignment);
        Write(")");
    }

    private void WriteInfix(BinaryExpression node, InfixOperator infix)
    {
        var tighter = infix.Precedence + 1;
        if (infix.IsRightAssociative)
        {
            WriteOperand(node.Left, tighter);
            Write(infix.SpacedToken);
            WriteOperand(node.Right, infix.Precedence);
            return;
        }

        // Left-deep chains such as a + b + c + ... are how sums of many terms are built. Walking the left spine
        // with a loop instead of recursion lets them print in full however long they are.
        var spine = new List<BinaryExpression> { node };
        var leftmost = node.Left;
        while (SkipTrivialBlocks(leftmost) is BinaryExpression left
            && !IsChecked(left.NodeType)
            && GetInfixOperator(left.NodeType) is { IsRightAssociative: false } leftInfix
            && leftInfix.Precedence == infix.Precedence)
        {
            spine.Add(left);
            leftmost = left.Left;
        }

        WriteOperand(leftmost, infix.Precedence);
        for (int i = spine.Count - 1; i >= 0 && !_out.IsFull; i--)
        {
            var link = spine[i];
            Write(GetInfixOperator(link.NodeType)!.Value.SpacedToken);
            WriteOperand(link.Right, tighter);
        }
    }

    private void WriteUnary(UnaryExpression node)
    {
        var operand = node.Operand;
        switch (node.NodeType)
        {
            case ExpressionType.Negate:
                WritePrefix("-", operand);
                break;
            case ExpressionType.UnaryPlus:
                WritePrefix("+", operand);
                break;
            case ExpressionType.NegateChecked:
                Write("checked(");
                WritePrefix("-", operand);
                Write(")");
                break;
            case ExpressionType.Not:
                WritePrefix(IsBoolean(operand.Type) ? "!" : "~", operand);
                break;
            case ExpressionType.OnesComplement:
                WritePrefix("~", operand);
                break;
            case ExpressionType.Convert:
            case ExpressionType.Unbox:
                WritePrefix($"({TypeNames.Of(node.Type)})", operand);
                break;
            case ExpressionType.ConvertChecked:
                Write("checked(");
                WritePrefix($"({TypeNames.Of(node.Type)})", operand);
                Write(")");
                break;
            case ExpressionType.PreIncrementAssign:
                WritePrefix("++", operand);
                break;
            case ExpressionType.PreDecrementAssign:
                WritePrefix("--", operand);
                break;
            case ExpressionType.PostIncrementAssign:
                WriteOperand(operand, Precedence.Primary);
                Write("++");
                break;
            case ExpressionType.PostDecrementAssign:
                WriteOperand(operand, Precedence.Primary);
                Write("--");
                break;
            case ExpressionType.Increment:
                // Increment computes x + 1 without storing it, so it reads as an addition, not as ++.
                WriteOperand(operand, Precedence.Additive);
                Write(" + 1");
                break;
            case ExpressionType.Decrement:
                WriteOperand(operand, Precedence.Additive);
                Write(" - 1");
                break;
            case ExpressionType.ArrayLength:
                WriteOperand(operand, Precedence.Primary);
                Write(".Length");
                break;
            case ExpressionType.TypeAs:
                WriteOperand(operand, Precedence.Relational);
                Write($" as {TypeNames.Of(node.Type)}");
                break;
            case ExpressionType.Quote:
                WriteExpression(operand);
                break;
            case ExpressionType.Throw:
                Write("throw");
                if (operand is not null)
                {
                    Write(" ");
                    WriteOperand(operand, Precedence.Assignment);
                }

                break;
            case ExpressionType.IsTrue:
            case ExpressionType.IsFalse:
                // No C# spelling calls operator true/false directly; a pseudo-call keeps the meaning visible.
                Write(node.NodeType == ExpressionType.IsTrue ? "IsTrue(" : "IsFalse(");
                WriteExpression(operand);
                Write(")");
                break;
            default:
                WriteUnknown(node);
                break;
        }
    }

    /// <summary>
    /// Writes a prefix operator. Operands that themselves start with a sign get parentheses, so
    /// <c>-(-x)</c> never reads as the decrement <c>--x</c> and <c>(double)(-x)</c> never as a subtraction.
    /// </summary>
    private void WritePrefix(string prefix, Expression operand)
    {
        Write(prefix);
        if (StartsWithSign(operand))
        {
            Write("(");
            WriteExpression(operand);
            Write(")");
        }
        else
        {
            WriteOperand(operand, Precedence.Unary);
        }
    }

    private static bool StartsWithSign(Expression node)
    {
        node = SkipTrivialBlocks(node);
        return node.NodeType is ExpressionType.Negate or ExpressionType.UnaryPlus
                or ExpressionType.PreIncrementAssign or ExpressionType.PreDecrementAssign
            || (node is ConstantExpression constant && IsNegativeLiteral(constant));
    }

    private static bool IsBoolean(Type type) => type == typeof(bool) || type == typeof(bool?);

    private void WriteConditionalExpression(ConditionalExpression node)
    {
        // A nested conditional in the test or true branch gets parentheses for the reader's sake;
        // one in the false branch reads naturally as an else-if chain.
        WriteOperand(node.Test, Precedence.Coalesce);
        Write(" ? ");
        WriteOperand(node.IfTrue, Precedence.Coalesce);
        Write(" : ");
        WriteOperand(node.IfFalse, Precedence.Conditional);
    }

    private void WriteTypeBinary(TypeBinaryExpression node)
    {
        if (node.NodeType == ExpressionType.TypeEqual)
        {
            WriteOperand(node.Expression, Precedence.Primary);
            Write($".GetType() == typeof({TypeNames.Of(node.TypeOperand)})");
        }
        else
        {
            WriteOperand(node.Expression, Precedence.Relational);
            Write($" is {TypeNames.Of(node.TypeOperand)}");
        }
    }
}
