namespace ExprAD.Printing;

/// <summary>
/// C# operator precedence, loosest first. A child whose level is below what its parent requires is wrapped in
/// parentheses; everything else is printed bare so the output has no redundant parentheses.
/// </summary>
internal enum Precedence
{
    /// <summary><c>=</c>, <c>+=</c>, lambdas, <c>throw</c>.</summary>
    Assignment,

    /// <summary><c>c ? a : b</c>.</summary>
    Conditional,

    /// <summary><c>??</c>.</summary>
    Coalesce,

    /// <summary><c>||</c>.</summary>
    ConditionalOr,

    /// <summary><c>&amp;&amp;</c>.</summary>
    ConditionalAnd,

    /// <summary><c>|</c>.</summary>
    LogicalOr,

    /// <summary><c>^</c>.</summary>
    LogicalXor,

    /// <summary><c>&amp;</c>.</summary>
    LogicalAnd,

    /// <summary><c>==</c>, <c>!=</c>.</summary>
    Equality,

    /// <summary><c>&lt;</c>, <c>&gt;</c>, <c>is</c>, <c>as</c>, switch expressions.</summary>
    Relational,

    /// <summary><c>&lt;&lt;</c>, <c>&gt;&gt;</c>.</summary>
    Shift,

    /// <summary><c>+</c>, <c>-</c>.</summary>
    Additive,

    /// <summary><c>*</c>, <c>/</c>, <c>%</c>.</summary>
    Multiplicative,

    /// <summary><c>-x</c>, <c>!x</c>, <c>~x</c>, <c>(T)x</c>, <c>++x</c>, negative literals.</summary>
    Unary,

    /// <summary>Names, literals, <c>a.b</c>, <c>f(x)</c>, <c>a[i]</c>, <c>x++</c>, <c>new</c>, <c>checked(...)</c>.</summary>
    Primary,
}
