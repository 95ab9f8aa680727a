using System.Linq.Expressions;

namespace ExprAD.Formulas;

/// <summary>The type of a formula sub-expression: integers index arrays and bound loops; numbers are doubles.</summary>
internal enum SyntaxType
{
    Int,
    Double,
    Bool,
}

/// <summary>
/// A checked formula syntax tree: every name resolved, every type known. Start and End (exclusive) delimit
/// the node's source text, for error messages.
/// </summary>
internal abstract record SyntaxNode(int Start, int End, SyntaxType Type);

/// <summary>A literal; <see cref="IsInteger"/> when written without point or exponent and small enough for an int.</summary>
internal sealed record NumberNode(int Start, int End, double Value, bool IsInteger)
    : SyntaxNode(Start, End, IsInteger ? SyntaxType.Int : SyntaxType.Double);

/// <summary>A declared variable: x[<see cref="Index"/>] of the input.</summary>
internal sealed record VariableNode(int Start, int End, int Index) : SyntaxNode(Start, End, SyntaxType.Double);

/// <summary><c>pi</c> or <c>e</c>.</summary>
internal sealed record ConstantNode(int Start, int End, double Value) : SyntaxNode(Start, End, SyntaxType.Double);

/// <summary><c>n</c>, the length of the input vector.</summary>
internal sealed record LengthNode(int Start, int End) : SyntaxNode(Start, End, SyntaxType.Int);

/// <summary>The index variable of an enclosing sum or prod.</summary>
internal sealed record LoopIndexNode(int Start, int End, LoopIndex Index) : SyntaxNode(Start, End, SyntaxType.Int);

/// <summary><c>x[index]</c> in a vector formula.</summary>
internal sealed record ElementNode(int Start, int End, SyntaxNode Index) : SyntaxNode(Start, End, SyntaxType.Double);

internal sealed record UnaryNode(int Start, int End, SyntaxType Type, string Operator, SyntaxNode Operand) : SyntaxNode(Start, End, Type);

/// <summary>Operators <c>+ - * / ^ &lt; &lt;= &gt; &gt;= == != &amp;&amp; ||</c>.</summary>
internal sealed record BinaryNode(int Start, int End, SyntaxType Type, string Operator, int OperatorPosition, SyntaxNode Left, SyntaxNode Right)
    : SyntaxNode(Start, End, Type);

internal sealed record ConditionalNode(int Start, int End, SyntaxType Type, SyntaxNode Test, SyntaxNode IfTrue, SyntaxNode IfFalse)
    : SyntaxNode(Start, End, Type);

internal sealed record CallNode(int Start, int End, FormulaFunction Function, IReadOnlyList<SyntaxNode> Arguments)
    : SyntaxNode(Start, End, SyntaxType.Double);

/// <summary><c>sum(i, from, to, body)</c> or <c>prod(...)</c>: inclusive bounds, lowered to a loop.</summary>
internal sealed record ReductionNode(int Start, int End, bool IsProduct, LoopIndex Index, SyntaxNode From, SyntaxNode To, SyntaxNode Body)
    : SyntaxNode(Start, End, SyntaxType.Double);

/// <summary>
/// A sum/prod index: <see cref="Variable"/> is the loop counter in the final tree (named as in the formula),
/// <see cref="Placeholder"/> the generated name Dynamic LINQ sees (user names never reach Dynamic LINQ, so
/// they cannot collide with its keywords and type names).
/// </summary>
internal sealed class LoopIndex(string name, int number)
{
    public string Name { get; } = name;

    public ParameterExpression Variable { get; } = Expression.Variable(typeof(int), name);

    public ParameterExpression Placeholder { get; } = Expression.Parameter(typeof(int), "i" + number);
}
