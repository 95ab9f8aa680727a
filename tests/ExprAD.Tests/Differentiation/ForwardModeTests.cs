namespace ExprAD.Tests.Differentiation;

/// <summary>AD.Derivative and AD.DirectionalDerivative: values, argument checks.</summary>
public class ForwardModeTests
{
    [Theory]
    [InlineData(-2.0)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(3.0)]
    public void DerivativeOfAScalarFunctionIsExact(double t)
    {
        var derivative = AD.Derivative(s => Math.Sin(s) * s + Math.Exp(0.5 * s));
        Assert.Equal(Math.Cos(t) * t + Math.Sin(t) + 0.5 * Math.Exp(0.5 * t), derivative(t), 1e-14);
    }

    [Fact]
    public void DirectionalDerivativeIsTheGradientAlongTheDirection()
    {
        System.Linq.Expressions.Expression<Func<double[], double>> f = x => x[0] * x[0] * x[1] + Math.Log(x[2]);
        var directional = AD.DirectionalDerivative(f);
        double[] point = [1.5, -2.0, 0.5];
        double[] direction = [0.3, -0.7, 2.0];
        var expected = 2 * 1.5 * -2.0 * 0.3 + 1.5 * 1.5 * -0.7 + 2.0 / 0.5;
        Assert.Equal(expected, directional(point, direction), 1e-14);
    }

    [Fact]
    public void DirectionalDerivativeChecksItsArguments()
    {
        var directional = AD.DirectionalDerivative(x => x[0] * x[1]);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => directional(null!, [1.0, 2.0])).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentNullException>(() => directional([1.0, 2.0], null!)).ParamName);
        var mismatch = Assert.Throws<ArgumentException>(() => directional([1.0, 2.0], [1.0]));
        Assert.Contains("1", mismatch.Message);
        Assert.Contains("2", mismatch.Message);
        Assert.Throws<ArgumentNullException>(() => AD.DirectionalDerivative(null!));
        Assert.Throws<ArgumentNullException>(() => AD.Derivative(null!));
    }

    [Fact]
    public void DirectionalDerivativeOfAConstantIsZero()
        => Assert.Equal(0.0, AD.DirectionalDerivative(x => 3.0 + x.Length)([1.0], [1.0]));
}
