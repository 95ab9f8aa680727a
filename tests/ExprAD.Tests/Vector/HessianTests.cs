using System.Linq.Expressions;
using ExprAD.Tests.Rules;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Vector;

/// <summary>AD.Hessian and AD.HessianVectorProduct: exact Hessians, symmetry, finite differences of the gradient, every rule, loops.</summary>
public class HessianTests
{
    public static TheoryData<string> RuleNames => new(RuleSpec.All.Select(s => s.Rule));

    [Theory]
    [InlineData(-1.2, 1.0)]
    [InlineData(1.0, 1.0)]
    [InlineData(0.3, -2.5)]
    public void RosenbrockHessianIsExact(double a, double b)
    {
        var (value, gradient, hessian) = Evaluate(x => 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]), [a, b]);
        Assert.Equal(100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a), value, 1e-12);
        JacobianTests.AssertClose([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)], gradient, 1e-13);
        JacobianTests.AssertClose(new[,] { { 1200 * a * a - 400 * b + 2, -400 * a }, { -400 * a, 200.0 } }, hessian, 1e-13);
    }

    [Fact]
    public void QuadraticFormHessianIsTheSymmetricPartOfItsMatrix()
    {
        double[,] a = { { 2, 1, 0 }, { 3, 4, -1 }, { 0.5, 0, 6 } };
        Expression<Func<double[], double>> f = x => Enumerable.Range(0, 3).Sum(i => Enumerable.Range(0, 3).Sum(j => x[i] * a[i, j] * x[j]));
        var (_, _, hessian) = Evaluate(f, [0.4, -1.1, 2.0]);
        var expected = new double[3, 3];
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                expected[i, j] = a[i, j] + a[j, i];
        JacobianTests.AssertClose(expected, hessian, 1e-15);
    }

    [Fact]
    public void ExpLogCompositionHessianIsExact()
    {
        // f = exp(x0 x1) + log(x0 + x1^2)
        double p = 0.7, q = 1.3;
        var (_, _, hessian) = Evaluate(x => Math.Exp(x[0] * x[1]) + Math.Log(x[0] + x[1] * x[1]), [p, q]);
        var e = Math.Exp(p * q);
        var s = p + q * q;
        double[,] expected =
        {
            { q * q * e - 1 / (s * s), e + p * q * e - 2 * q / (s * s) },
            { e + p * q * e - 2 * q / (s * s), p * p * e + 2 / s - 4 * q * q / (s * s) },
        };
        JacobianTests.AssertClose(expected, hessian, 1e-13);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(50)]
    public void ExtendedRosenbrockInLinqMatchesTheHandWrittenHessian(int n)
    {
        Expression<Func<double[], double>> f = x => Enumerable.Range(0, x.Length - 1)
            .Sum(i => 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]));
        var point = FiniteDifferences.RandomPoint(new Random(n), n, -1.5, 1.5);
        var (_, _, hessian) = Evaluate(f, point);
        var expected = new double[n, n];
        for (var i = 0; i < n - 1; i++)
        {
            expected[i, i] += 1200 * point[i] * point[i] - 400 * point[i + 1] + 2;
            expected[i + 1, i + 1] += 200;
            expected[i, i + 1] += -400 * point[i];
            expected[i + 1, i] += -400 * point[i];
        }
        JacobianTests.AssertClose(expected, hessian, 1e-12);
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void EveryRuleHasTheSecondDerivativeOfFiniteDifferences(string rule)
    {
        // H v against the central difference of the (exact, AD) gradient along v.
        var spec = RuleSpec.All.Single(s => s.Rule == rule);
        var hvp = AD.HessianVectorProduct(spec.Function);
        var gradient = AD.Differentiate(spec.Function);
        var random = new Random(rule.Length * 7919 + rule[0]);
        for (var k = 0; k < 10; k++)
        {
            var x = spec.Sample(random);
            var v = FiniteDifferences.RandomUnitDirection(random, x.Length);
            var product = new double[x.Length];
            hvp(x, v, product);
            var h = 1e-5 * Math.Max(1, x.Max(Math.Abs));
            var plus = new double[x.Length];
            var minus = new double[x.Length];
            gradient(FiniteDifferences.Offset(x, v, h), plus);
            gradient(FiniteDifferences.Offset(x, v, -h), minus);
            for (var i = 0; i < x.Length; i++)
            {
                var fd = (plus[i] - minus[i]) / (2 * h);
                Assert.True(Math.Abs(fd - product[i]) <= 1e-4 * (1 + Math.Abs(product[i])),
                    $"{rule} at [{string.Join(", ", x)}] along [{string.Join(", ", v)}]: (Hv)[{i}] = {product[i]:R}, finite differences {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void HessianIsSymmetricAndMatchesFiniteDifferencesOfTheGradientWithLoopsAndBranches(int seed)
    {
        double[] data = [0.5, -1.0, 2.0, 0.25];
        Expression<Func<double[], double>> f = x =>
            Enumerable.Range(0, data.Length).Sum(k => Math.Log(1 + Math.Exp(-data[k] * (x[0] + x[1] * k))))
            + (x[2] > 0 ? Math.Sin(x[2] * x[0]) : x[2] * x[2] * x[1])
            + Enumerable.Range(0, x.Length).Select(i => x[i] * x[i]).Aggregate(1.0, (s, t) => s * (1 + 0.1 * t));
        var random = new Random(seed);
        var point = FiniteDifferences.RandomPoint(random, 3, -1, 1);
        var (_, gradientAtPoint, hessian) = Evaluate(f, point);
        var gradient = AD.Differentiate(f);
        var reference = new double[3];
        gradient(point, reference);
        JacobianTests.AssertClose(reference, gradientAtPoint, 1e-14);
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(hessian[i, j], hessian[j, i]);
        var h = 1e-5;
        for (var j = 0; j < 3; j++)
        {
            var unit = new double[3];
            unit[j] = 1;
            var plus = new double[3];
            var minus = new double[3];
            gradient(FiniteDifferences.Offset(point, unit, h), plus);
            gradient(FiniteDifferences.Offset(point, unit, -h), minus);
            for (var i = 0; i < 3; i++)
                Assert.True(Math.Abs((plus[i] - minus[i]) / (2 * h) - hessian[i, j]) <= 1e-5 * (1 + Math.Abs(hessian[i, j])), $"H[{i},{j}]");
        }
    }

    [Fact]
    public void RecurrenceThroughATapedLoopHasTheRightHessian()
    {
        // s = s * x[i] + sin(s): the loop's reverse replays a tape; forward-over-this must still be exact.
        var x = Expression.Parameter(typeof(double[]), "x");
        Expression<Func<double[], double>> f = y => y.Select(t => t).Aggregate(0.5, (s, t) => s * t + Math.Sin(s));
        AssertMatchesGradientDifferences(f, [0.9, 1.1, -0.7, 0.8, 1.2]);
    }

    [Fact]
    public void HessianVectorProductEqualsHessianTimesVector()
    {
        Expression<Func<double[], double>> f = x => Enumerable.Range(0, x.Length).Sum(i => Math.Cosh(x[i] * x[(i + 1) % x.Length]));
        var point = FiniteDifferences.RandomPoint(new Random(5), 6, -1, 1);
        var v = FiniteDifferences.RandomUnitDirection(new Random(6), 6);
        var (value, _, hessian) = Evaluate(f, point);
        var product = new double[6];
        Assert.Equal(value, AD.HessianVectorProduct(f)(point, v, product), 1e-14);
        for (var i = 0; i < 6; i++)
            Assert.Equal(Enumerable.Range(0, 6).Sum(j => hessian[i, j] * v[j]), product[i], 1e-12);
    }

    [Fact]
    public void LinearFunctionsHaveAZeroHessian()
    {
        var (_, gradient, hessian) = Evaluate(x => 3 * x[0] - x[1] + 2, [1.0, 2.0]);
        JacobianTests.AssertClose([3.0, -1.0], gradient, 0);
        JacobianTests.AssertClose(new double[2, 2], hessian, 0);
    }

    [Fact]
    public void ChecksArgumentsAndShapes()
    {
        var hessian = AD.Hessian(x => x[0] * x[1]);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => hessian(null!, new double[2], new double[2, 2])).ParamName);
        Assert.Equal("gradient", Assert.Throws<ArgumentNullException>(() => hessian([1, 2], null!, new double[2, 2])).ParamName);
        Assert.Equal("hessian", Assert.Throws<ArgumentNullException>(() => hessian([1, 2], new double[2], null!)).ParamName);
        Assert.Contains("(3)", Assert.Throws<ArgumentException>(() => hessian([1, 2], new double[3], new double[2, 2])).Message);
        var shape = Assert.Throws<ArgumentException>(() => hessian([1, 2], new double[2], new double[2, 3]));
        Assert.Contains("2-by-3", shape.Message);
        Assert.Contains("2-by-2", shape.Message);
        var hvp = AD.HessianVectorProduct(x => x[0] * x[1]);
        Assert.Equal("direction", Assert.Throws<ArgumentNullException>(() => hvp([1, 2], null!, new double[2])).ParamName);
        Assert.Contains("(3)", Assert.Throws<ArgumentException>(() => hvp([1, 2], [1, 2], new double[3])).Message);
        Assert.Throws<ArgumentNullException>(() => AD.Hessian(null!));
        Assert.Throws<ArgumentNullException>(() => AD.HessianVectorProduct(null!));
        Assert.Throws<NotSupportedException>(() => AD.Hessian(x => Unknown(x[0])));
    }

    [Fact]
    public void CallsFromManyThreadsAgree()
    {
        Expression<Func<double[], double>> f = x => Math.Exp(x[0] * x[1]) * Math.Sin(x[2]);
        var hessian = AD.Hessian(f);
        var (_, _, expected) = Evaluate(f, [0.3, 0.9, 1.7]);
        Parallel.For(0, 64, _ =>
        {
            var gradient = new double[3];
            var result = new double[3, 3];
            for (var k = 0; k < 200; k++) hessian([0.3, 0.9, 1.7], gradient, result);
            JacobianTests.AssertClose(expected, result, 0);
        });
    }

    private static double Unknown(double t) => t;

    /// <summary>Each Hessian column against the central difference of the AD gradient along that unit vector.</summary>
    internal static void AssertMatchesGradientDifferences(Expression<Func<double[], double>> f, double[] x)
    {
        var (_, _, hessian) = HessianTests.Evaluate(f, x);
        var gradient = AD.Differentiate(f);
        const double h = 1e-5;
        for (var j = 0; j < x.Length; j++)
        {
            var unit = new double[x.Length];
            unit[j] = 1;
            var plus = new double[x.Length];
            var minus = new double[x.Length];
            gradient(FiniteDifferences.Offset(x, unit, h), plus);
            gradient(FiniteDifferences.Offset(x, unit, -h), minus);
            for (var i = 0; i < x.Length; i++)
                Assert.True(Math.Abs((plus[i] - minus[i]) / (2 * h) - hessian[i, j]) <= 1e-5 * (1 + Math.Abs(hessian[i, j])), $"H[{i},{j}] = {hessian[i, j]}");
        }
    }

    internal static (double Value, double[] Gradient, double[,] Hessian) Evaluate(Expression<Func<double[], double>> f, double[] point)
    {
        var gradient = new double[point.Length];
        var hessian = new double[point.Length, point.Length];
        var value = AD.Hessian(f)(point, gradient, hessian);
        return (value, gradient, hessian);
    }
}
