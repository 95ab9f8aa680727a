namespace ExprAD.Cli.Tests;

/// <summary>The --lower/--upper syntax of minimize, in-process.</summary>
public class BoundsOptionTests
{
    private static readonly EvaluationPoint Named = EvaluationPoint.Parse("x=1,y=2,z=3", "--from");
    private static readonly EvaluationPoint Vector = EvaluationPoint.Parse("1,2,3", "--from");

    [Fact]
    public void NoOptionIsNoBounds() => Assert.Null(BoundsOption.Parse(null, "--lower", Named, double.NegativeInfinity));

    [Fact]
    public void NamedBoundsGoToTheirVariablesAndTheRestStayUnbounded()
        => Assert.Equal([double.NegativeInfinity, double.NegativeInfinity, 0.5],
            BoundsOption.Parse("z=0.5", "--lower", Named, double.NegativeInfinity));

    [Fact]
    public void NamesMayComeInAnyOrder()
        => Assert.Equal([2.0, double.PositiveInfinity, 1.0], BoundsOption.Parse("z=1,x=2", "--upper", Named, double.PositiveInfinity));

    [Fact]
    public void BareValuesGiveOnePerInput()
        => Assert.Equal([0.0, 0.0, 0.0], BoundsOption.Parse("0,0,0", "--lower", Named, double.NegativeInfinity));

    [Fact]
    public void VectorInputsAreNamedByIndex()
        => Assert.Equal([double.NegativeInfinity, 4.0, double.NegativeInfinity], BoundsOption.Parse("x[1]=4", "--lower", Vector, double.NegativeInfinity));

    [Theory]
    [InlineData("w=0")]
    [InlineData("x=0,x=1")]
    [InlineData("0,0")]
    [InlineData("x=zero")]
    [InlineData("x[0]=0")]
    public void MistakesAreUsageErrorsNamingTheOption(string text)
    {
        var e = Assert.Throws<UsageException>(() => BoundsOption.Parse(text, "--lower", Named, double.NegativeInfinity));
        Assert.Contains("--lower", e.Message, StringComparison.Ordinal);
    }
}
