using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using ExprAD.Diagnostics;

namespace ExprAD.Formulas;

/// <summary>
/// A formula body spelled for Dynamic LINQ: <see cref="Text"/> with <c>@k</c> placeholders for the
/// double literals in <see cref="Values"/> (exact values, no re-formatting), generated parameter names only
/// (v0.. for variables, i0.. for indices, s0.. for nested sums), and a map from text offsets back to
/// positions in the formula.
/// </summary>
internal sealed record CanonicalText(
    string Text,
    object[] Values,
    IReadOnlyList<(int Offset, int Source)> Map,
    IReadOnlyList<(ParameterExpression Placeholder, ReductionNode Node)> Reductions)
{
    /// <summary>The formula position of the token at <paramref name="offset"/> in <see cref="Text"/>.</summary>
    public int SourcePosition(int offset)
    {
        int source = 0;
        foreach (var (o, s) in Map)
        {
            if (o > offset)
            {
                break;
            }
            source = s;
        }
        return source;
    }
}

/// <summary>
/// Spells a checked syntax tree in Dynamic LINQ's C#-like syntax: <c>a^b</c> as <c>Math.Pow(a, b)</c>,
/// functions as their <see cref="Math"/> methods, integers converted with <c>double(...)</c> wherever a double
/// is meant (so no division is ever an integer division), parentheses only where precedence needs them (a
/// long sum stays flat, as Dynamic LINQ parses it iteratively), and each sum/prod as a placeholder parameter
/// that <see cref="FormulaLowering"/> replaces with its loop.
/// </summary>
internal sealed class CanonicalTextWriter
{
    private const int ConditionalLevel = 1, OrLevel = 2, AndLevel = 3, ComparisonLevel = 4, AdditiveLevel = 5,
        MultiplicativeLevel = 6, UnaryLevel = 7, PrimaryLevel = 8;

    private readonly StringBuilder _text = new();
    private readonly List<object> _values = [];
    private readonly List<(int, int)> _map = [];
    private readonly List<(ParameterExpression, ReductionNode)> _reductions = [];

    public static CanonicalText Write(SyntaxNode node, SyntaxType context)
    {
        var writer = new CanonicalTextWriter();
        writer.Write(node, context, 0);
        return new CanonicalText(writer._text.ToString(), [.. writer._values], writer._map, writer._reductions);
    }

    public static string VariableName(int index) => "v" + index.ToString(CultureInfo.InvariantCulture);

    private void Write(SyntaxNode node, SyntaxType context, int minLevel)
    {
        StackGuard.Check();
        _map.Add((_text.Length, node.Start));
        if (context == SyntaxType.Double && node.Type == SyntaxType.Int)
        {
            if (node is NumberNode literal)
            {
                Literal(literal.Value);
            }
            else
            {
                _text.Append("double(");
                Write(node, SyntaxType.Int, 0);
                _text.Append(')');
            }
            return;
        }

        int level = Level(node);
        bool parenthesize = level < minLevel;
        if (parenthesize)
        {
            _text.Append('(');
        }
        WriteBare(node, context);
        if (parenthesize)
        {
            _text.Append(')');
        }
    }

    private void WriteBare(SyntaxNode node, SyntaxType context)
    {
        switch (node)
        {
            case NumberNode n when context == SyntaxType.Int:
                _text.Append(((int)n.Value).ToString(CultureInfo.InvariantCulture));
                break;
            case NumberNode n:
                Literal(n.Value);
                break;
            case ConstantNode c:
                Literal(c.Value);
                break;
            case VariableNode v:
                _text.Append(VariableName(v.Index));
                break;
            case LengthNode:
                _text.Append(FormulaLowering.LengthName);
                break;
            case LoopIndexNode i:
                _text.Append(i.Index.Placeholder.Name);
                break;
            case ElementNode e:
                _text.Append(FormulaLowering.InputName).Append('[');
                Write(e.Index, SyntaxType.Int, 0);
                _text.Append(']');
                break;
            case UnaryNode u:
                _text.Append(u.Operator);
                // "--a" would not read as two negations: a nested unary gets parentheses.
                Write(u.Operand, OperandContext(u.Operand, context), u.Operand is UnaryNode ? PrimaryLevel : UnaryLevel);
                break;
            case BinaryNode { Operator: "^" } power:
                _text.Append("Math.Pow(");
                Write(power.Left, SyntaxType.Double, 0);
                _text.Append(", ");
                Write(power.Right, SyntaxType.Double, 0);
                _text.Append(')');
                break;
            case BinaryNode b:
                WriteBinary(b);
                break;
            case ConditionalNode c:
                Write(c.Test, SyntaxType.Bool, OrLevel);
                _text.Append(" ? ");
                var branch = c.Type == SyntaxType.Int && context == SyntaxType.Int ? SyntaxType.Int : SyntaxType.Double;
                Write(c.IfTrue, branch, OrLevel);
                _text.Append(" : ");
                Write(c.IfFalse, branch, OrLevel);
                break;
            case CallNode call:
                WriteCall(call);
                break;
            case ReductionNode r:
                var placeholder = Expression.Parameter(typeof(double), "s" + _reductions.Count.ToString(CultureInfo.InvariantCulture));
                _reductions.Add((placeholder, r));
                _text.Append(placeholder.Name);
                break;
            default:
                throw new InvalidOperationException($"Unknown formula node {node.GetType().Name}.");
        }
    }

    private static SyntaxType OperandContext(SyntaxNode operand, SyntaxType context)
        => operand.Type == SyntaxType.Bool ? SyntaxType.Bool : context;

    private void WriteBinary(BinaryNode b)
    {
        int level = Level(b);
        var operands = b.Operator switch
        {
            "&&" or "||" => SyntaxType.Bool,
            "+" or "-" or "*" when b.Type == SyntaxType.Int => SyntaxType.Int,
            _ => SyntaxType.Double,
        };
        // Left-associative: the left operand may sit at the same level, the right one must bind tighter.
        // Comparisons never chain (the parser refuses it), so both sides bind tighter there.
        Write(b.Left, operands, level == ComparisonLevel ? level + 1 : level);
        _text.Append(' ').Append(b.Operator).Append(' ');
        Write(b.Right, operands, level + 1);
    }

    private void WriteCall(CallNode call)
    {
        if (call.Function.ReturnsInt)
        {
            _text.Append("double(");
        }
        _text.Append(call.Function.DynamicLinqName).Append('(');
        for (int i = 0; i < call.Arguments.Count; i++)
        {
            if (i > 0)
            {
                _text.Append(", ");
            }
            Write(call.Arguments[i], SyntaxType.Double, 0);
        }
        _text.Append(')');
        if (call.Function.ReturnsInt)
        {
            _text.Append(')');
        }
    }

    private void Literal(double value)
    {
        _text.Append('@').Append(_values.Count.ToString(CultureInfo.InvariantCulture));
        _values.Add(value);
    }

    private static int Level(SyntaxNode node) => node switch
    {
        ConditionalNode => ConditionalLevel,
        BinaryNode { Operator: "||" } => OrLevel,
        BinaryNode { Operator: "&&" } => AndLevel,
        BinaryNode { Operator: "<" or "<=" or ">" or ">=" or "==" or "!=" } => ComparisonLevel,
        BinaryNode { Operator: "+" or "-" } => AdditiveLevel,
        BinaryNode { Operator: "*" or "/" } => MultiplicativeLevel,
        UnaryNode => UnaryLevel,
        _ => PrimaryLevel,
    };
}
