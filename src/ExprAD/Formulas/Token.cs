namespace ExprAD.Formulas;

internal enum TokenKind
{
    Number,
    Name,
    Operator,
    End,
}

/// <summary>One lexical token of a formula; <see cref="Position"/> is its 0-based offset in the text.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position, double Value = 0)
{
    /// <summary>An integer literal: digits only, no point or exponent.</summary>
    public bool IsIntegerLiteral => Kind == TokenKind.Number && Text.All(char.IsAsciiDigit);

    public bool Is(string op) => Kind == TokenKind.Operator && Text == op;

    /// <summary>The token as an error message quotes it.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of formula",
        TokenKind.Number => $"number '{Text}'",
        TokenKind.Name => $"name '{Text}'",
        _ => $"'{Text}'",
    };
}
