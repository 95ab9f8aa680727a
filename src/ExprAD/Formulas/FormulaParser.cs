namespace ExprAD.Formulas;

/// <summary>
/// Precedence-climbing parser over the tokens: resolves every name, checks every type and arity, and
/// rewrites what Dynamic LINQ lacks (<c>^</c>, double-only division, sum/prod) into a syntax tree that
/// <see cref="CanonicalTextWriter"/> spells in Dynamic LINQ's syntax. Every error carries the position of
/// the offending token. Nesting is bounded by <see cref="FormulaLimits.MaxDepth"/>, so neither this
/// parser nor Dynamic LINQ can recurse without bound.
/// </summary>
/// <remarks>
/// Precedence, loosest first: <c>?:</c> (right-associative), <c>||</c>, <c>&amp;&amp;</c>, comparisons,
/// <c>+ -</c>, <c>* /</c>, unary <c>- + !</c>, <c>^</c> (right-associative, so <c>-x^2</c> is <c>-(x^2)</c>
/// and <c>2^3^2</c> is 512), then numbers, names, calls, <c>x[i]</c> and parentheses.
/// </remarks>
internal sealed partial class FormulaParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private readonly IReadOnlyList<string> _variables;
    private readonly bool _vectorMode;
    private readonly List<LoopIndex> _scope = [];
    private int _next;
    private int _depth;
    private int _indexCount;

    private FormulaParser(string text, List<Token> tokens, IReadOnlyList<string> variables)
    {
        _text = text;
        _tokens = tokens;
        _variables = variables;
        _vectorMode = variables.Count == 0;
    }

    /// <summary>Parses <paramref name="text"/>; zero <paramref name="variables"/> means a vector formula over x and n.</summary>
    public static SyntaxNode Parse(string text, IReadOnlyList<string> variables)
        => new FormulaParser(text, Tokenizer.Tokenize(text), variables).ParseFormula();

    private Token Current => _tokens[_next];

    private Token Advance() => _tokens[_next++];

    private SyntaxNode ParseFormula()
    {
        if (Current.Kind == TokenKind.End)
        {
            throw new FormulaException($"empty formula at {Current.Position}; expected {Operand}", Current.Position);
        }
        var node = ParseExpression();
        if (Current.Kind != TokenKind.End)
        {
            throw Unexpected(Current, Current.Is(")") ? "an operator or the end of the formula (this ')' closes nothing)" : "an operator or the end of the formula");
        }
        return RequireNumber(node);
    }

    private const string Operand = "a number, a variable, a function call or '('";

    private SyntaxNode ParseExpression()
    {
        Enter();
        try
        {
            return ParseConditional();
        }
        finally
        {
            _depth--;
        }
    }

    private void Enter()
    {
        if (++_depth > FormulaLimits.MaxDepth)
        {
            throw Tokenizer.TooDeep(Current.Kind == TokenKind.End ? "end" : Current.Text, Current.Position);
        }
    }

    private SyntaxNode ParseConditional()
    {
        var test = ParseOr();
        if (!Current.Is("?"))
        {
            return test;
        }
        var question = Advance();
        RequireCondition(test);
        var ifTrue = RequireNumber(ParseExpression());
        Expect(":", $"':' of the conditional whose '?' is at {question.Position}");
        var ifFalse = RequireNumber(ParseExpression());
        var type = ifTrue.Type == SyntaxType.Int && ifFalse.Type == SyntaxType.Int ? SyntaxType.Int : SyntaxType.Double;
        return new ConditionalNode(test.Start, ifFalse.End, type, test, ifTrue, ifFalse);
    }

    private SyntaxNode ParseOr()
    {
        var left = ParseAnd();
        while (Current.Is("||"))
        {
            var op = Advance();
            var right = ParseAnd();
            left = Logical(op, left, right);
        }
        return left;
    }

    private SyntaxNode ParseAnd()
    {
        var left = ParseComparison();
        while (Current.Is("&&"))
        {
            var op = Advance();
            var right = ParseComparison();
            left = Logical(op, left, right);
        }
        return left;
    }

    private BinaryNode Logical(Token op, SyntaxNode left, SyntaxNode right)
        => new(left.Start, right.End, SyntaxType.Bool, op.Text, op.Position, RequireCondition(left), RequireCondition(right));

    private static bool IsComparison(Token t) => t.Kind == TokenKind.Operator && t.Text is "<" or "<=" or ">" or ">=" or "==" or "!=";

    private SyntaxNode ParseComparison()
    {
        var left = ParseAdditive();
        while (IsComparison(Current))
        {
            var op = Advance();
            if (left.Type == SyntaxType.Bool)
            {
                throw new FormulaException(
                    $"'{op.Text}' at {op.Position} would compare a condition; comparisons cannot be chained (write a < b && b < c)", op.Position);
            }
            var right = RequireNumber(ParseAdditive());
            left = new BinaryNode(left.Start, right.End, SyntaxType.Bool, op.Text, op.Position, left, right);
        }
        return left;
    }

    private SyntaxNode ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Is("+") || Current.Is("-"))
        {
            var op = Advance();
            var right = ParseMultiplicative();
            left = Arithmetic(op, left, right);
        }
        return left;
    }

    private SyntaxNode ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Is("*") || Current.Is("/"))
        {
            var op = Advance();
            var right = ParseUnary();
            left = Arithmetic(op, left, right);
        }
        return left;
    }

    private BinaryNode Arithmetic(Token op, SyntaxNode left, SyntaxNode right)
    {
        RequireNumber(left);
        RequireNumber(right);
        // Integers stay integers under + - * (indices such as x[i+1]); '/' always divides doubles, so 1/2 is 0.5.
        var type = op.Text != "/" && left.Type == SyntaxType.Int && right.Type == SyntaxType.Int ? SyntaxType.Int : SyntaxType.Double;
        return new BinaryNode(left.Start, right.End, type, op.Text, op.Position, left, right);
    }

    private SyntaxNode ParseUnary()
    {
        if (Current.Is("-") || Current.Is("+") || Current.Is("!"))
        {
            var op = Advance();
            Enter();
            var operand = ParseUnary();
            _depth--;
            if (op.Text == "!")
            {
                return new UnaryNode(op.Position, operand.End, SyntaxType.Bool, "!", RequireCondition(operand));
            }
            RequireNumber(operand);
            return op.Text == "+"
                ? operand with { Start = op.Position }
                : new UnaryNode(op.Position, operand.End, operand.Type, "-", operand);
        }
        return ParsePower();
    }

    private SyntaxNode ParsePower()
    {
        var left = ParsePrimary();
        if (Current.Kind == TokenKind.Operator && Current.Text == "[")
        {
            throw new FormulaException(_vectorMode
                ? $"unexpected '[' at {Current.Position}; only the input vector x can be indexed"
                : $"unexpected '[' at {Current.Position}; indexing needs a vector formula (declare no variable names, then use x[i])",
                Current.Position);
        }
        if (!Current.Is("^"))
        {
            return left;
        }
        var op = Advance();
        Enter();
        // The exponent is a unary expression, so 2^-1 works and 2^3^2 groups as 2^(3^2).
        var right = ParseUnary();
        _depth--;
        return new BinaryNode(left.Start, right.End, SyntaxType.Double, "^", op.Position, RequireNumber(left), RequireNumber(right));
    }

    private SyntaxNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                bool isInteger = token.IsIntegerLiteral && token.Value <= int.MaxValue;
                return new NumberNode(token.Position, token.Position + token.Text.Length, token.Value, isInteger);
            case TokenKind.Name:
                Advance();
                return Current.Is("(") ? ParseCall(token) : ResolveName(token);
            case TokenKind.Operator when token.Text == "(":
                Advance();
                var inner = ParseExpression();
                var close = Expect(")", $"an operator or ')' to close the '(' at {token.Position}");
                return inner with { Start = token.Position, End = close.Position + 1 };
            default:
                throw Unexpected(token, Operand);
        }
    }

    private Token Expect(string op, string expected)
    {
        if (!Current.Is(op))
        {
            throw Unexpected(Current, expected);
        }
        return Advance();
    }

    private static FormulaException Unexpected(Token token, string expected)
        => new($"unexpected {token.Describe()} at {token.Position}; expected {expected}", token.Position);
}
