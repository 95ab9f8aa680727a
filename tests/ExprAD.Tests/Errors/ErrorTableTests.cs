using System.Linq.Expressions;

namespace ExprAD.Tests.Errors;

/// <summary>One test per row of the error table: which exception, when, and what it says.</summary>
public class ErrorTableTests
{
    /// <summary>A user method with no derivative rule.</summary>
    public static double MyFunc(double a) => 2 * a + 1;

    private static readonly Expression<Func<double[], double>> Product = x => x[0] * x[1];

    // --- null arguments to the API ----------------------------------------------------------------------

    [Fact]
    public void DifferentiateNullThrowsArgumentNullNamingF()
    {
        var e = Assert.Throws<ArgumentNullException>(() => AD.Differentiate(null!));
        Assert.Equal("f", e.ParamName);
    }

    [Fact]
    public void GradientExpressionNullThrowsArgumentNullNamingF()
    {
        var e = Assert.Throws<ArgumentNullException>(() => AD.GradientExpression(null!));
        Assert.Equal("f", e.ParamName);
    }

    [Fact]
    public void CompileNullThrowsArgumentNullNamingF()
    {
        var e = Assert.Throws<ArgumentNullException>(() => AD.Compile(null!));
        Assert.Equal("f", e.ParamName);
    }

    [Fact]
    public void ToCSharpNullThrowsArgumentNullNamingExpression()
    {
        var e = Assert.Throws<ArgumentNullException>(() => AD.ToCSharp(null!));
        Assert.Equal("expression", e.ParamName);
    }

    // --- bad arguments to the compiled delegate -----------------------------------------------------------

    [Fact]
    public void DelegateWithNullXThrowsArgumentNullNamingX()
    {
        var gradient = AD.Differentiate(Product);
        var e = Assert.Throws<ArgumentNullException>(() => gradient(null!, new double[2]));
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void DelegateWithNullGradientThrowsArgumentNullNamingGradient()
    {
        var gradient = AD.Differentiate(Product);
        var e = Assert.Throws<ArgumentNullException>(() => gradient([1.0, 2.0], null!));
        Assert.Equal("gradient", e.ParamName);
    }

    [Fact]
    public void DelegateWithGradientOfWrongLengthThrowsArgumentExceptionQuotingBothLengths()
    {
        var gradient = AD.Differentiate(Product);
        var tooLong = new double[3];
        var e = Assert.ThrowsAny<ArgumentException>(() => gradient([1.0, 2.0], tooLong));
        Assert.IsNotType<ArgumentNullException>(e);
        Assert.Contains("3", e.Message);
        Assert.Contains("2", e.Message);
        // The buffer is rejected before anything is written into it.
        Assert.All(tooLong, g => Assert.Equal(0.0, g));

        var tooShort = new double[1];
        var e2 = Assert.ThrowsAny<ArgumentException>(() => gradient([1.0, 2.0], tooShort));
        Assert.IsNotType<ArgumentNullException>(e2);
        Assert.Contains("1", e2.Message);
        Assert.Contains("2", e2.Message);
    }

    [Fact]
    public void DelegateWithXAndGradientTheSameArrayThrowsArgumentException()
    {
        var gradient = AD.Differentiate(Product);
        var both = new[] { 1.0, 2.0 };
        var e = Assert.ThrowsAny<ArgumentException>(() => gradient(both, both));
        Assert.IsNotType<ArgumentNullException>(e);
        // x must not have been overwritten with a gradient.
        Assert.Equal([1.0, 2.0], both);
    }

    // --- unsupported methods, nodes and delegates: NotSupportedException when differentiating ------------

    [Fact]
    public void UnsupportedUserMethodWithActiveArgumentThrowsAtDifferentiateNamingMethodAndQuotingCall()
    {
        Expression<Func<double[], double>> f = x => MyFunc(x[0]);
        var e = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Contains("MyFunc", e.Message);
        Assert.Contains("x[0]", e.Message);

        // GradientExpression builds the tree that Differentiate compiles: it must reject it too, before any call.
        var e2 = Assert.Throws<NotSupportedException>(() => AD.GradientExpression(f));
        Assert.Contains("MyFunc", e2.Message);
    }

    [Fact]
    public void UnsupportedMathMethodWithActiveArgumentThrowsAtDifferentiateNamingMethodAndQuotingCall()
    {
        Expression<Func<double[], double>> f = x => Math.ReciprocalSqrtEstimate(x[0]) + x[1];
        var e = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Contains("ReciprocalSqrtEstimate", e.Message);
        Assert.Contains("x[0]", e.Message);
    }

    [Fact]
    public void TryCatchNodeThrowsAtDifferentiateNamingTheNodeKind()
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        var body = Expression.TryCatch(
            Expression.ArrayIndex(x, Expression.Constant(0)),
            Expression.Catch(typeof(Exception), Expression.Constant(0.0)));
        var f = Expression.Lambda<Func<double[], double>>(body, x);
        Assert.Equal(1.0, f.Compile()([1.0]));   // the tree itself is valid

        var e = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.Contains("Try", e.Message);
    }

    [Fact]
    public void InvokeOfCompiledDelegateThrowsAtDifferentiateMentioningTheDelegate()
    {
        Func<double, double> g = Math.Sin;
        Expression<Func<double[], double>> f = x => g(x[0]);
        Assert.Equal(ExpressionType.Invoke, f.Body.NodeType);

        var e = Assert.Throws<NotSupportedException>(() => AD.Differentiate(f));
        Assert.True(
            e.Message.Contains("Invoke", StringComparison.OrdinalIgnoreCase) ||
            e.Message.Contains("delegate", StringComparison.OrdinalIgnoreCase),
            $"message does not mention the delegate or Invoke: {e.Message}");
    }
}
