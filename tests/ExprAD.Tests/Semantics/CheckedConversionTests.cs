using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Semantics;

/// <summary>
/// <c>checked((int)v)</c> (Expression.ConvertChecked) throws OverflowException out of range, as f.Compile() does; ExprAD
/// converted unchecked and returned a wrapped value silently. Checked conversions of constants are not folded, so they
/// throw when the function runs, not when it is differentiated.
/// </summary>
public class CheckedConversionTests
{
    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    private static Expression Element(int i) => Expression.ArrayIndex(X, Expression.Constant(i));

    /// <summary>checked((int)(x0 * scale)) * x1.</summary>
    private static Expression<Func<double[], double>> Scaled(double scale)
        => Expression.Lambda<Func<double[], double>>(Expression.Multiply(
            Expression.Convert(Expression.ConvertChecked(Expression.Multiply(Element(0), Expression.Constant(scale)), typeof(int)), typeof(double)),
            Element(1)), X);

    [Fact]
    public void InRangeItTruncatesLikeACast()
    {
        var f = Scaled(10);
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), 0.37, -1.5);
        Assert.Equal(3 * -1.5, value);
        Assert.Equal([0.0, 3], g);
        Assert.Equal(f.Compile()([0.37, -1.5]), AD.Compile(f)([0.37, -1.5]));
        Assert.Equal(3.0, AD.DirectionalDerivative(f)([0.37, -1.5], [1, 1]));
    }

    [Fact]
    public void OutOfRangeItThrowsInEveryMode()
    {
        var f = Scaled(1e12);
        double[] x = [0.3, -1.2];
        Assert.Throws<OverflowException>(() => f.Compile()(x));
        Assert.Throws<OverflowException>(() => AD.Compile(f)(x));
        Assert.Throws<OverflowException>(() => AD.Differentiate(f)(x, new double[2]));
        Assert.Throws<OverflowException>(() => AD.DirectionalDerivative(f)(x, [1, 0]));
        Assert.Throws<OverflowException>(() => AD.Hessian(f)(x, new double[2], new double[2, 2]));
        // The unchecked conversion wraps (to int.MinValue on x64), as a C# cast does.
        var unchecked_ = Expression.Lambda<Func<double[], double>>(Expression.Convert(
            Expression.Convert(Expression.Multiply(Element(0), Expression.Constant(1e12)), typeof(int)), typeof(double)), X);
        Assert.Equal(unchecked_.Compile()(x), AD.Compile(unchecked_)(x));
    }

    [Fact]
    public void ACheckedConversionOfAConstantThrowsWhenTheFunctionRuns()
    {
        var f = Expression.Lambda<Func<double[], double>>(Expression.Multiply(
            Expression.Convert(Expression.ConvertChecked(Expression.Constant(1e12), typeof(int)), typeof(double)), Element(0)), X);
        var gradient = AD.Differentiate(f);
        Assert.Throws<OverflowException>(() => gradient([1.0], new double[1]));
    }
}
