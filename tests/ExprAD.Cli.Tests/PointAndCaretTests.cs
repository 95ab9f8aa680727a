using ExprAD.Cli.Output;

namespace ExprAD.Cli.Tests;

/// <summary>The --at syntax and the caret line, in-process.</summary>
public class PointAndCaretTests
{
    [Fact]
    public void NamedPointsDeclareVariablesInOrder()
    {
        var point = EvaluationPoint.Parse("x=1, y=-2.5e-1");
        Assert.Equal(["x", "y"], point.Names);
        Assert.Equal([1.0, -0.25], point.Values);
        Assert.False(point.IsVector);
        Assert.Equal("y", point.Label(1));
    }

    [Theory]
    [InlineData("x=1,2,3")]
    [InlineData("1,2,3")]
    [InlineData(" 1 , 2 , 3 ")]
    [InlineData("x=[1,2,3]")]
    [InlineData("[1, 2, 3]")]
    public void BareValuesAreTheVectorX(string text)
    {
        var point = EvaluationPoint.Parse(text);
        Assert.True(point.IsVector);
        Assert.Equal([1.0, 2.0, 3.0], point.Values);
        Assert.Equal("x[2]", point.Label(2));
    }

    [Fact]
    public void InfinityAndNaNAreSpelledAsUsual()
    {
        // .NET's own spellings, and the inf of C and Python; nan was accepted and inf was not.
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity],
            EvaluationPoint.Parse("a=inf,b=-inf,c=Infinity,d=-Infinity").Values);
        Assert.True(double.IsNaN(EvaluationPoint.Parse("a=NaN").Values[0]));
        Assert.Throws<UsageException>(() => EvaluationPoint.Parse("a=infinite"));
    }

    [Fact]
    public void ALoneXIsAVariableAndALoneNumberIsAVector()
    {
        Assert.False(EvaluationPoint.Parse("x=1").IsVector);
        Assert.True(EvaluationPoint.Parse("1").IsVector);
    }

    [Theory]
    [InlineData("y=1,2")]
    [InlineData("1,y=2")]
    [InlineData("x=")]
    [InlineData("x=1,,y=2")]
    [InlineData("x=one")]
    public void MalformedPointsAreUsageErrors(string text)
        => Assert.Throws<UsageException>(() => EvaluationPoint.Parse(text));

    [Fact]
    public void TheCaretLineFlattensLineBreaks()
    {
        var (line, caret) = ErrorReport.CaretLine("x +\n\ty", 5);
        Assert.Equal("x +  y", line);
        Assert.Equal(5, caret);
    }

    [Fact]
    public void ALongFormulaIsCutToAWindowAroundTheFault()
    {
        string formula = new string('a', 500) + "#" + new string('b', 500);
        var (line, caret) = ErrorReport.CaretLine(formula, 500);
        Assert.True(line.Length < 140, line);
        Assert.Equal('#', line[caret]);
        Assert.StartsWith("...", line, StringComparison.Ordinal);
        Assert.EndsWith("...", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCaretMayPointJustPastTheEnd()
    {
        var (line, caret) = ErrorReport.CaretLine("x +", 3);
        Assert.Equal("x +", line);
        Assert.Equal(3, caret);
    }
}
