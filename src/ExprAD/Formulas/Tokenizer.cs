using System.Globalization;

namespace ExprAD.Formulas;

/// <summary>
/// The first line of defence: splits the text into numbers, names and operators, and refuses everything
/// else before any parser sees it — string and character literals, member access (<c>a.b</c>), characters
/// outside the formula alphabet, formulas that are too long or nest too deeply.
/// </summary>
internal static class Tokenizer
{
    private static readonly string[] TwoCharOperators = ["<=", ">=", "==", "!=", "&&", "||"];
    private const string OneCharOperators = "+-*/^()[],?:<>!";

    public static List<Token> Tokenize(string text)
    {
        if (text.Length > FormulaLimits.MaxLength)
        {
            throw new FormulaException(
                $"formula is too long at {FormulaLimits.MaxLength}: {text.Length} characters; at most {FormulaLimits.MaxLength} are allowed",
                FormulaLimits.MaxLength);
        }

        var tokens = new List<Token>();
        int depth = 0;
        int p = 0;
        while (p < text.Length)
        {
            char c = text[p];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                p++;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && p + 1 < text.Length && char.IsAsciiDigit(text[p + 1])))
            {
                tokens.Add(ReadNumber(text, ref p));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = p;
                while (p < text.Length && (char.IsAsciiLetterOrDigit(text[p]) || text[p] == '_'))
                {
                    p++;
                }
                tokens.Add(new Token(TokenKind.Name, text[start..p], start));
            }
            else if (c is '"' or '\'')
            {
                throw new FormulaException(
                    $"string literal {Quote(LiteralAt(text, p))} at {p} is not allowed; formulas contain only numbers, names and operators", p);
            }
            else if (c == '.')
            {
                throw MisplacedDot(text, p);
            }
            else
            {
                string? op = TwoCharOperators.FirstOrDefault(o => string.CompareOrdinal(text, p, o, 0, 2) == 0);
                if (op is null && OneCharOperators.Contains(c))
                {
                    op = c.ToString();
                }
                if (op is null)
                {
                    throw UnexpectedCharacter(c, p);
                }
                if (op is "(" or "[" && ++depth > FormulaLimits.MaxDepth)
                {
                    throw TooDeep(op, p);
                }
                if (op is ")" or "]" && depth > 0)
                {
                    depth--;
                }
                tokens.Add(new Token(TokenKind.Operator, op, p));
                p += op.Length;
            }
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }

    public static FormulaException TooDeep(string token, int position) => new(
        $"formula nests too deeply at {position} ('{token}'): at most {FormulaLimits.MaxDepth} levels of parentheses, calls, unary operators and powers are allowed",
        position);

    private static Token ReadNumber(string text, ref int p)
    {
        int start = p;
        SkipDigits(text, ref p);
        if (p < text.Length && text[p] == '.')
        {
            p++;
            if (p < text.Length && (char.IsAsciiLetter(text[p]) || text[p] == '_') && !IsExponentStart(text, p))
            {
                throw MisplacedDot(text, p - 1);
            }
            if (p >= text.Length || !char.IsAsciiDigit(text[p]))
            {
                throw new FormulaException(
                    $"malformed number '{text[start..p]}' at {start}; expected digits after '.', as in 2.5", start);
            }
            SkipDigits(text, ref p);
        }
        if (IsExponentStart(text, p))
        {
            p++;
            if (text[p] is '+' or '-')
            {
                p++;
            }
            SkipDigits(text, ref p);
        }
        string literal = text[start..p];
        double value = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
        {
            throw new FormulaException($"number '{literal}' at {start} is too large for a double", start);
        }
        return new Token(TokenKind.Number, literal, start, value);
    }

    // An exponent only when digits follow, so "2e" stays the number 2 followed by the name e (then refused
    // by the parser as a missing operator, with that position).
    private static bool IsExponentStart(string text, int p)
    {
        if (p >= text.Length || text[p] is not ('e' or 'E'))
        {
            return false;
        }
        int q = p + 1;
        if (q < text.Length && text[q] is '+' or '-')
        {
            q++;
        }
        return q < text.Length && char.IsAsciiDigit(text[q]);
    }

    private static void SkipDigits(string text, ref int p)
    {
        while (p < text.Length && char.IsAsciiDigit(text[p]))
        {
            p++;
        }
    }

    private static FormulaException MisplacedDot(string text, int p)
    {
        int end = p + 1;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
        {
            end++;
        }
        if (end > p + 1)
        {
            return new FormulaException(
                $"member access '{text[p..end]}' at {p} is not allowed; formulas call functions by name, as in sqrt(x)", p);
        }
        return new FormulaException($"unexpected '.' at {p}; expected a number such as .5", p);
    }

    private static FormulaException UnexpectedCharacter(char c, int p)
    {
        string shown = c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}";
        string hint = c switch
        {
            '=' => "; use '==' to compare",
            '&' => "; use '&&' for 'and'",
            '|' => "; use '||' for 'or'",
            '%' => "; the remainder operator is not supported",
            _ => "; expected a number, a name, an operator or a parenthesis",
        };
        return new FormulaException($"unexpected character '{shown}' at {p}{hint}", p);
    }

    private static string LiteralAt(string text, int p)
    {
        int close = text.IndexOf(text[p], p + 1);
        int end = close < 0 ? text.Length : close + 1;
        return text[p..Math.Min(end, p + 24)];
    }

    private static string Quote(string literal) => $"'{literal}'";
}
