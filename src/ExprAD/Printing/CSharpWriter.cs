using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace ExprAD.Printing;

/// <summary>
/// One printing run: the output, the names chosen so far, and the jump targets in scope. Split by node family
/// across partial files; this file holds the dispatch, precedence and naming.
/// </summary>
internal sealed partial class CSharpWriter
{
    private const string Ellipsis = "...";

    private readonly BoundedWriter _out;
    private readonly Dictionary<ParameterExpression, string> _variableNames = [];
    private readonly HashSet<string> _usedVariableNames = new(StringComparer.Ordinal);
    private readonly Dictionary<LabelTarget, string> _labelNames = [];
    private readonly HashSet<string> _usedLabelNames = new(StringComparer.Ordinal);
    private int _nextVariableNumber;
    private int _nextLabelNumber;

    private CSharpWriter(int maxLength) => _out = new BoundedWriter(maxLength);

    public static string Print(Expression expression, int maxLength)
    {
        var writer = new CSharpWriter(maxLength);
        writer.WriteTopLevel(expression);
        return writer._out.ToString();
    }

    private void WriteTopLevel(Expression node)
    {
        if (NeedsStatementForm(node))
        {
            WriteStatement(node, node.Type == typeof(void) ? Tail.Discard : Tail.Value);
            _out.TrimTrailingNewLine();
        }
        else
        {
            WriteExpression(node);
        }
    }

    /// <summary>Writes a node where C# expects an expression. Statement-like nodes become <c>({ ... })</c>.</summary>
    private void WriteExpression(Expression node)
    {
        if (_out.IsFull)
        {
            return;
        }

        // Deep trees (long right-nested chains, nested calls) would otherwise overflow the stack; a truncated
        // quote is good enough for error messages.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            Write(Ellipsis);
            return;
        }

        node = SkipTrivialBlocks(node);
        if (IsStatementLike(node))
        {
            WriteStatementsAsExpression(node);
            return;
        }

        switch (node)
        {
            case BinaryExpression binary: WriteBinary(binary); break;
            case UnaryExpression unary: WriteUnary(unary); break;
            case ConstantExpression constant: WriteConstant(constant); break;
            case ParameterExpression parameter: Write(NameOf(parameter)); break;
            case MemberExpression member: WriteMember(member); break;
            case MethodCallExpression call: WriteCall(call); break;
            case ConditionalExpression conditional: WriteConditionalExpression(conditional); break;
            case LambdaExpression lambda: WriteLambda(lambda); break;
            case IndexExpression index: WriteIndex(index); break;
            case InvocationExpression invocation: WriteInvocation(invocation); break;
            case NewExpression creation: WriteNew(creation); break;
            case NewArrayExpression array: WriteNewArray(array); break;
            case ListInitExpression listInit: WriteListInit(listInit); break;
            case MemberInitExpression memberInit: WriteMemberInit(memberInit); break;
            case TypeBinaryExpression typeTest: WriteTypeBinary(typeTest); break;
            case DefaultExpression defaultValue: Write($"default({TypeNames.Of(defaultValue.Type)})"); break;
            case SwitchExpression switchNode: WriteSwitchExpression(switchNode); break;
            default: WriteUnknown(node); break;
        }
    }

    /// <summary>Writes a child node, in parentheses when it binds looser than <paramref name="minimum"/>.</summary>
    private void WriteOperand(Expression node, Precedence minimum)
    {
        if (PrecedenceOf(node) < minimum)
        {
            Write("(");
            WriteExpression(node);
            Write(")");
        }
        else
        {
            WriteExpression(node);
        }
    }

    private void WriteUnknown(Expression node)
    {
        if (node.NodeType == ExpressionType.Extension && TryReduce(node) is { } reduced)
        {
            WriteExpression(reduced);
            return;
        }

        Write(node.NodeType == ExpressionType.Extension ? $"/* Extension {node.GetType().Name} */" : $"/* {node.NodeType} */");
    }

    /// <summary>Extension nodes are printed as what they reduce to; a node that fails to reduce prints as a placeholder.</summary>
    private static Expression? TryReduce(Expression node)
    {
        if (!node.CanReduce)
        {
            return null;
        }

        try
        {
            var reduced = node.Reduce();
            return ReferenceEquals(reduced, node) ? null : reduced;
        }
        catch (Exception)
        {
            // Printing is used while reporting other errors; a broken extension node must not hide them.
            return null;
        }
    }

    private static Precedence PrecedenceOf(Expression node)
    {
        node = SkipTrivialBlocks(node);
        if (IsStatementLike(node))
        {
            return Precedence.Primary; // wrapped in ({ ... })
        }

        switch (node)
        {
            case BinaryExpression binary:
                return BinaryPrecedence(binary.NodeType);
            case UnaryExpression unary:
                return UnaryPrecedence(unary.NodeType);
            case ConstantExpression constant:
                return IsNegativeLiteral(constant) ? Precedence.Unary : Precedence.Primary;
            case ConditionalExpression:
                return Precedence.Conditional;
            case LambdaExpression:
                return Precedence.Assignment;
            case TypeBinaryExpression typeTest:
                return typeTest.NodeType == ExpressionType.TypeEqual ? Precedence.Equality : Precedence.Relational;
            case SwitchExpression:
                return Precedence.Relational;
            default:
                return node.NodeType == ExpressionType.Extension && TryReduce(node) is { } reduced
                    ? PrecedenceOf(reduced)
                    : Precedence.Primary;
        }
    }

    /// <summary>
    /// A block of one expression and no variables adds nothing to the reader, so it prints as that expression.
    /// A block that changes the type (usually to void, discarding the value) is kept: it decides statement form.
    /// </summary>
    private static Expression SkipTrivialBlocks(Expression node)
    {
        while (node is BlockExpression { Variables.Count: 0, Expressions.Count: 1 } block && block.Type == block.Expressions[0].Type)
        {
            node = block.Expressions[0];
        }

        return node;
    }

    /// <summary>Nodes that only read well as statements; in expression position they are wrapped in <c>({ ... })</c>.</summary>
    private static bool IsStatementLike(Expression node)
    {
        node = SkipTrivialBlocks(node);
        return node.NodeType switch
        {
            ExpressionType.Block or ExpressionType.Loop or ExpressionType.Try
                or ExpressionType.Label or ExpressionType.Goto => true,
            ExpressionType.Conditional => node.Type == typeof(void),
            ExpressionType.Switch => !UsesSwitchExpressionForm((SwitchExpression)node),
            _ => false,
        };
    }

    /// <summary>Whether a lambda body (or top-level node) needs braces and statements rather than an expression.</summary>
    private static bool NeedsStatementForm(Expression node)
    {
        node = SkipTrivialBlocks(node);
        return IsStatementLike(node) || (node is ConditionalExpression conditional && HasStatementBranch(conditional));
    }

    private static bool HasStatementBranch(ConditionalExpression conditional)
        => IsStatementLike(conditional.IfTrue) || IsStatementLike(conditional.IfFalse);

    private void WriteArguments(IReadOnlyList<Expression> arguments)
    {
        for (int i = 0; i < arguments.Count && !_out.IsFull; i++)
        {
            if (i > 0)
            {
                Write(", ");
            }

            WriteOperand(arguments[i], Precedence.Assignment);
        }
    }

    private void Write(string text) => _out.Write(text);

    private void WriteLine() => _out.WriteLine();

    private void WriteLine(string text)
    {
        _out.Write(text);
        _out.WriteLine();
    }

    private string NameOf(ParameterExpression variable)
    {
        if (!_variableNames.TryGetValue(variable, out var name))
        {
            name = ChooseUniqueName(Identifiers.Sanitize(variable.Name), "v", ref _nextVariableNumber, _usedVariableNames);
            _variableNames.Add(variable, name);
        }

        return name;
    }

    private string NameOf(LabelTarget label)
    {
        if (!_labelNames.TryGetValue(label, out var name))
        {
            name = ChooseUniqueName(Identifiers.Sanitize(label.Name), "L", ref _nextLabelNumber, _usedLabelNames);
            _labelNames.Add(label, name);
        }

        return name;
    }

    /// <summary>
    /// Names are handed out in printing order, which is fixed for a given tree, so output is deterministic.
    /// Distinct variables that share a name get suffixes (<c>x</c>, <c>x_1</c>) so the text stays unambiguous.
    /// </summary>
    private static string ChooseUniqueName(string? preferred, string generatedPrefix, ref int nextNumber, HashSet<string> used)
    {
        if (preferred is null)
        {
            string generated;
            do
            {
                generated = generatedPrefix + nextNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
                nextNumber++;
            }
            while (!used.Add(generated));

            return generated;
        }

        if (used.Add(preferred))
        {
            return preferred;
        }

        for (int suffix = 1; ; suffix++)
        {
            var candidate = preferred + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (used.Add(candidate))
            {
                return candidate;
            }
        }
    }
}
