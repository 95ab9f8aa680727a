using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Vector;

/// <summary>User-registered derivative rules in every mode, and functions given as expressions, inlined.</summary>
public class CustomRuleTests
{
    // Each test class registers rules for its own methods, so tests running in parallel never race on a rule.
    public static double Softplus(double t) => Math.Log(1 + Math.Exp(t));

    public static double Smoothmax(double a, double b) => Math.Log(Math.Exp(a) + Math.Exp(b));

    public static double NoRule(double t) => t * 2;

    public double Instance(double t) => t;

    static CustomRuleTests()
    {
        AD.RegisterDerivative(Softplus, t => 1 / (1 + Math.Exp(-t)));
        AD.RegisterDerivative(Smoothmax,
            (a, b) => Math.Exp(a) / (Math.Exp(a) + Math.Exp(b)),
            (a, b) => Math.Exp(b) / (Math.Exp(a) + Math.Exp(b)));
    }

    private static readonly Expression<Func<double[], double>> UsesBoth = x => Softplus(x[0] * x[1]) + Smoothmax(x[1], Math.Sin(x[2])) * x[0];

    [Fact]
    public void GradientUsesTheRegisteredRule()
    {
        double[] point = [0.4, -1.2, 0.9];
        var g = new double[3];
        var value = AD.Differentiate(UsesBoth)(point, g);
        Assert.Equal(UsesBoth.Compile()(point), value);
        double Sigmoid(double t) => 1 / (1 + Math.Exp(-t));
        var (a, b) = (point[1], Math.Sin(point[2]));
        var wa = Math.Exp(a) / (Math.Exp(a) + Math.Exp(b));
        double[] exact =
        [
            Sigmoid(point[0] * point[1]) * point[1] + Smoothmax(a, b),
            Sigmoid(point[0] * point[1]) * point[0] + wa * point[0],
            (1 - wa) * Math.Cos(point[2]) * point[0],
        ];
        JacobianTests.AssertClose(exact, g, 1e-14);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ForwardAndReverseModesAgreeAndMatchFiniteDifferences(int seed)
    {
        var random = new Random(seed);
        var point = FiniteDifferences.RandomPoint(random, 3, -2, 2);
        var v = FiniteDifferences.RandomUnitDirection(random, 3);
        var g = new double[3];
        AD.Differentiate(UsesBoth)(point, g);
        var reverse = g.Zip(v, (p, q) => p * q).Sum();
        var forward = AD.DirectionalDerivative(UsesBoth)(point, v);
        Assert.Equal(reverse, forward, 1e-13);
        var fd = FiniteDifferences.Directional(UsesBoth.Compile(), point, v, FiniteDifferences.Step(point));
        Assert.True(Math.Abs(fd - reverse) <= FiniteDifferences.Tolerance * (1 + Math.Abs(reverse)), $"fd {fd} vs AD {reverse}");
    }

    [Fact]
    public void HessianDifferentiatesTheRegisteredDerivative()
    {
        // d2/dt2 softplus(t) = sigmoid(t) (1 - sigmoid(t)).
        var hessian = new double[1, 1];
        AD.Hessian(x => Softplus(x[0]))([0.3], new double[1], hessian);
        var s = 1 / (1 + Math.Exp(-0.3));
        Assert.Equal(s * (1 - s), hessian[0, 0], 1e-14);
    }

    [Fact]
    public void JacobianAndScalarDerivativeUseTheRegisteredRule()
    {
        var (_, jacobian) = JacobianTests.Evaluate(x => new[] { Softplus(x[0]), Smoothmax(x[0], x[1]), x[1] }, [0.5, 1.5], 3);
        Assert.Equal(1 / (1 + Math.Exp(-0.5)), jacobian[0, 0], 1e-15);
        Assert.Equal(Math.Exp(1.5) / (Math.Exp(0.5) + Math.Exp(1.5)), jacobian[1, 1], 1e-15);
        Assert.Equal(1 / (1 + Math.Exp(-2.0)), AD.Derivative(t => Softplus(t))(2.0), 1e-15);
    }

    [Fact]
    public void AFunctionGivenAsAnExpressionIsInlined()
    {
        // No rule is needed: the captured tree is visible, whether invoked through Compile() or Expression.Invoke.
        Expression<Func<double, double>> logistic = t => 1 / (1 + Math.Exp(-t));
        Expression<Func<double[], double>> f = x => logistic.Compile()(x[0] * x[1]) + x[1];
        var g = new double[2];
        var value = AD.Differentiate(f)(new[] { 2.0, 0.5 }, g);
        var s = 1 / (1 + Math.Exp(-1.0));
        Assert.Equal(s + 0.5, value, 1e-15);
        JacobianTests.AssertClose([s * (1 - s) * 0.5, s * (1 - s) * 2.0 + 1], g, 1e-15);

        var x = Expression.Parameter(typeof(double[]), "x");
        var invoked = Expression.Lambda<Func<double[], double>>(Expression.Invoke(logistic, Expression.ArrayIndex(x, Expression.Constant(0))), x);
        Assert.Equal(s * (1 - s), AD.DirectionalDerivative(invoked)([1.0], [1.0]), 1e-15);
    }

    [Fact]
    public void RefusesBadRegistrations()
    {
        var instance = new CustomRuleTests();
        Assert.Contains("static", Assert.Throws<ArgumentException>(() => AD.RegisterDerivative(instance.Instance, t => 1.0)).Message);
        Assert.Contains("built-in", Assert.Throws<ArgumentException>(() => AD.RegisterDerivative(Math.Sin, t => Math.Cos(t))).Message);
        var method = typeof(CustomRuleTests).GetMethod(nameof(Smoothmax))!;
        Assert.Contains("2 partial", Assert.Throws<ArgumentException>(() => AD.RegisterDerivative(method, (Expression<Func<double, double>>)(t => t))).Message);
        Assert.Throws<ArgumentNullException>(() => AD.RegisterDerivative(Softplus, null!));
        // A lambda is a compiler-generated method (on a closure object): the message says what to write instead.
        Func<double, double> square = t => t * t;
        var lambda = Assert.Throws<ArgumentException>(() => AD.RegisterDerivative(square, t => 2 * t)).Message;
        Assert.Contains("A lambda or local function cannot have a derivative rule", lambda);
        Assert.Contains("static double F(double t)", lambda);
        Assert.False(AD.UnregisterDerivative(typeof(CustomRuleTests).GetMethod(nameof(NoRule))!));
    }

    [Fact]
    public void AMethodWithoutARuleIsRefusedWithAHintToRegisterOne()
    {
        var error = Assert.Throws<NotSupportedException>(() => AD.Differentiate(x => NoRule(x[0])));
        Assert.Contains(nameof(NoRule), error.Message);
        Assert.Contains("AD.RegisterDerivative", error.Message);
    }

    [Fact]
    public void UnregisteringRemovesTheRule()
    {
        var method = typeof(UnregisterSubject).GetMethod(nameof(UnregisterSubject.Cube), BindingFlags.Public | BindingFlags.Static)!;
        AD.RegisterDerivative(UnregisterSubject.Cube, t => 3 * t * t);
        Assert.Equal(12.0, AD.Derivative(t => UnregisterSubject.Cube(t))(2.0));
        Assert.True(AD.UnregisterDerivative(method));
        Assert.Throws<NotSupportedException>(() => AD.Derivative(t => UnregisterSubject.Cube(t)));
    }

    private static class UnregisterSubject
    {
        public static double Cube(double t) => t * t * t;
    }
}
