namespace ExprAD.Tests.Formulas;

/// <summary>
/// The corpus of malformed formulas: each is refused with a <see cref="FormulaException"/> at the expected
/// 0-based position, with a message that quotes the offending token (or names the end of the formula).
/// </summary>
public class MalformedFormulaTests
{
    private static readonly string[] Named = ["x", "y"];
    private static readonly string[] Vector = [];

    /// <summary>Formula, vector formula?, expected position, text the message must contain.</summary>
    public static TheoryData<string, bool, int, string> Corpus => new()
    {
        { "", false, 0, "empty formula" },
        { "   ", false, 3, "empty formula" },
        { "x +", false, 3, "end of formula" },
        { "(x", false, 2, "end of formula" },
        { "(", false, 1, "end of formula" },
        { "x^", false, 2, "end of formula" },
        { "x >= ", false, 5, "end of formula" },
        { "x)", false, 1, "')'" },
        { ")", false, 0, "')'" },
        { ",", false, 0, "','" },
        { "x,y", false, 1, "','" },
        { "*x", false, 0, "'*'" },
        { "x y", false, 2, "'y'" },
        { "2x", false, 1, "'x'" },
        { "sine(x)", false, 0, "'sine'" },
        { "Sin(x)", false, 0, "did you mean 'sin'" },
        { "sqr(x)", false, 0, "did you mean 'sqrt'" },
        { "z + x", false, 0, "'z'" },
        { "x + yy", false, 4, "did you mean 'y'" },
        { "foo", false, 0, "unknown name 'foo'" },
        { "x ** 2", false, 3, "'*'" },
        { "x +* y", false, 3, "'*'" },
        { "x^^2", false, 2, "'^'" },
        { "x = 2", false, 2, "'='" },
        { "x => 2", false, 2, "'='" },
        { "x & y", false, 2, "'&'" },
        { "x | y", false, 2, "'|'" },
        { "x % 2", false, 2, "'%'" },
        { "#x", false, 0, "'#'" },
        { "x;", false, 1, "';'" },
        { "{x}", false, 0, "'{'" },
        { "x\u00e9", false, 1, "'\\u00E9'" },
        { "sin()", false, 0, "'sin' at 0 takes 1 argument, got 0" },
        { "sin(x, y)", false, 0, "'sin' at 0 takes 1 argument, got 2" },
        { "atan2(x)", false, 0, "'atan2'" },
        { "log(x, y, 2)", false, 0, "'log' at 0 takes 1 or 2 arguments" },
        { "abs(x, y)", false, 0, "'abs'" },
        { "sin x", false, 0, "'sin'" },
        { "sin(x", false, 5, "end of formula" },
        { "sin(x))", false, 6, "')'" },
        { "min(x,)", false, 6, "')'" },
        { "max(,x)", false, 4, "','" },
        { "1.2.3", false, 3, "'.3'" },
        { "2.", false, 0, "'2.'" },
        { "2 .. 3", false, 2, "'.'" },
        { "x.5", false, 1, "'.5'" },
        { "1e", false, 1, "'e'" },
        { "1e999", false, 0, "'1e999'" },
        { "x\n+ * y", false, 4, "'*'" },
        { "x ? 1 : 2", false, 0, "'x'" },
        { "x > 0 ? 1", false, 9, "end of formula" },
        { "x > 0 ? : y", false, 8, "':'" },
        { "x < y < 2", false, 6, "'<'" },
        { "(x > y) + 1", false, 0, "'(x > y)'" },
        { "!x", false, 1, "'x'" },
        { "x && y", false, 0, "'x'" },
        { "x > 0", false, 0, "'x > 0'" },
        { "x(2)", false, 0, "'x' at 0 is a variable" },
        { "pi(2)", false, 0, "'pi' at 0 is a constant" },
        { "sum + 1", false, 0, "'sum'" },
        { "x[0]", false, 1, "'['" },
        { "true ? 1 : 2", false, 0, "'true'" },
        { "x + DateTime", false, 4, "'DateTime' at 4 is a .NET type name" },
        { "Math(x)", false, 0, "'Math' at 0 is a .NET type name" },
        { "x", true, 0, "'x'" },
        { "x[1.5]", true, 2, "'1.5'" },
        { "x[i]", true, 2, "'i'" },
        { "x[0", true, 3, "end of formula" },
        { "x[0))", true, 3, "')'" },
        { "n(1)", true, 0, "'n'" },
        { "y", true, 0, "'y'" },
        { "sum(i, 0, n-1)", true, 13, "')'" },
        { "sum(0, 0, n-1, x[0])", true, 4, "number '0'" },
        { "sum(x, 0, n-1, x[0])", true, 4, "'x'" },
        { "sum(sin, 0, 1, 1)", true, 4, "'sin'" },
        { "sum(i 0, n-1, x[i])", true, 6, "number '0'" },
        { "sum(i, 0, n/2, x[i])", true, 10, "'n/2'" },
        { "sum(i, 0.5, 2, x[i])", true, 7, "'0.5'" },
        { "sum(i, 0, n-1, x[i]) + i", true, 23, "'i'" },
        { "sum(i, 0, n-1, sum(i, 0, 1, x[i]))", true, 19, "'i'" },
        { "prod(i, 0, n-1, x[i], 2)", true, 20, "','" },
        { "sum(i, 0, n-1, x[i] > 0)", true, 15, "'x[i] > 0'" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void IsRefusedAtThePositionWithTheTokenQuoted(string formula, bool vector, int position, string quoted)
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse(formula, vector ? Vector : Named));
        Assert.True(position == e.Position, $"expected position {position}, got {e.Position}: {e.Message}");
        Assert.Contains(quoted, e.Message, StringComparison.Ordinal);
        Assert.Contains($"at {position}", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void TheCorpusHasAtLeastFiftyEntries() => Assert.True(Corpus.Count >= 50);

    [Fact]
    public void UnknownFunctionSuggestsTheClosestKnownOne()
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse("sine(x)", "x"));
        Assert.Equal("unknown function 'sine' at 0; did you mean 'sin'?", e.Message);
    }

    [Fact]
    public void TooDeepNestingIsRefusedAtTheTokenBeyondTheLimit()
    {
        var parens = Assert.Throws<FormulaException>(() => Formula.Parse(new string('(', 201) + "x" + new string(')', 201), "x"));
        Assert.Equal(200, parens.Position);
        var minus = Assert.Throws<FormulaException>(() => Formula.Parse(new string('-', 300) + "x", "x"));
        Assert.Equal(200, minus.Position);
        Assert.Contains("nests too deeply", minus.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongTextIsRefusedAtTheLimit()
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse(new string('1', 100_001)));
        Assert.Equal(100_000, e.Position);
        Assert.Contains("too long", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2x")]
    [InlineData("a b")]
    [InlineData("sin")]
    [InlineData("sum")]
    [InlineData("new")]
    public void BadVariableNamesAreArgumentErrors(string? name)
    {
        var e = Assert.Throws<ArgumentException>(() => Formula.Parse("1", "a", name!));
        Assert.Equal("variables", e.ParamName);
    }

    [Fact]
    public void RepeatedVariableNamesAreArgumentErrors()
        => Assert.Throws<ArgumentException>(() => Formula.Parse("a", "a", "a"));

    [Fact]
    public void NullArgumentsAreArgumentNullErrors()
    {
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => Formula.Parse(null!, "x")).ParamName);
        Assert.Equal("variables", Assert.Throws<ArgumentNullException>(() => Formula.Parse("x", null!)).ParamName);
    }
}
