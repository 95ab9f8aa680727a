namespace ExprAD.Tests;

public class SmokeTests
{
    [Fact]
    public void CompileReturnsTheFunctionValue()
    {
        var f = AD.Compile(x => x[0] * x[1]);
        Assert.Equal(6.0, f([2.0, 3.0]));
    }
}
