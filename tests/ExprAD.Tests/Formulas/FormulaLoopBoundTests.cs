namespace ExprAD.Tests.Formulas;

/// <summary>
/// A sum or prod whose upper bound is int.MaxValue: its index would wrap around after the last term, and the loop (also
/// <c>f.Compile()</c> of the formula's tree) never ended. Formulas are untrusted text, so the bound is checked before the
/// loop runs and the call throws an OverflowException that says why.
/// </summary>
public class FormulaLoopBoundTests
{
    [Theory]
    [InlineData("sum(i, 0, 2147483647, x[0])")]
    [InlineData("prod(i, 5, 2147483647, x[0])")]
    [InlineData("sum(i, 0, n + 2147483646, x[0])")]
    [InlineData("x[0] + sum(j, 0, 1, sum(i, j, 2147483647, 1))")]
    public void ASumToIntMaxValueThrowsInsteadOfRunningForever(string formula)
    {
        var f = Formula.Parse(formula);
        double[] x = [1.5];
        var message = Assert.Throws<OverflowException>(() => f.Compile()(x)).Message;
        Assert.Contains("2147483647", message);
        Assert.Throws<OverflowException>(() => AD.Compile(f)(x));
        Assert.Throws<OverflowException>(() => AD.Differentiate(f)(x, new double[1]));
        Assert.Throws<OverflowException>(() => AD.DirectionalDerivative(f)(x, [1.0]));
    }

    [Fact]
    public void BoundsBelowIntMaxValueAreUntouched()
    {
        var f = Formula.Parse("sum(i, 2147483640, 2147483646, x[0])");
        Assert.Equal(7 * 1.5, AD.Compile(f)([1.5]));
        var g = new double[1];
        Assert.Equal(7 * 1.5, AD.Differentiate(f)([1.5], g));
        Assert.Equal([7.0], g);
    }
}
