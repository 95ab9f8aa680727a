using ExprAD.Benchmarks.Shared;

namespace ExprAD.Tests.Benchmarks;

/// <summary>
/// The higher-order benchmarks' hand-written baselines are correct: each hand-written Hessian or Jacobian
/// agrees with ExprAD's (AD.Hessian, AD.Jacobian) and with central differences of the hand-written first
/// derivatives or values, at the benchmark sizes and at a small size.
/// </summary>
public class HigherOrderFunctionTests
{
    private const int DataSeed = 1;
    private const int PointSeed = 2;
    private const double AdTolerance = 1e-11;
    private const double DifferenceTolerance = 1e-6;

    [Theory]
    [InlineData(3)]
    [InlineData(CoupledRosenbrock.BenchmarkDimension)]
    public void CoupledRosenbrockHessianMatchesExprADAndCentralDifferences(int n)
    {
        var function = new CoupledRosenbrock(n, DataSeed);
        var x = function.CreatePoint(PointSeed);
        var g = Garbage(n);
        var h = new double[n, n];
        Fill(h);
        double value = function.ValueGradientHessian(x, g, h);

        AssertClose(AD.Compile(function.Definition)(x), value, AdTolerance, "value vs AD.Compile");
        AssertClose(function.Value(x), value, AdTolerance, "value vs plain loops");
        var adGradient = new double[n];
        var adHessian = new double[n, n];
        AssertClose(AD.Hessian(function.Definition)(x, adGradient, adHessian), value, AdTolerance, "value vs AD.Hessian");
        for (int i = 0; i < n; i++)
        {
            AssertClose(adGradient[i], g[i], AdTolerance, $"g[{i}] vs AD.Hessian");
            AssertClose(Central(function.Value, x, i), g[i], DifferenceTolerance, $"g[{i}] vs central differences");
            for (int j = 0; j < n; j++)
            {
                AssertClose(adHessian[i, j], h[i, j], AdTolerance, $"H[{i},{j}] vs AD.Hessian");
            }
            double[] column = CentralColumn((p, v) => function.ValueGradientHessian(p, v, new double[n, n]), x, i, n);
            for (int j = 0; j < n; j++)
            {
                AssertClose(column[j], h[j, i], DifferenceTolerance, $"H[{j},{i}] vs central differences of the gradient");
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(CoupledRosenbrock.BenchmarkDimension)]
    public void HessianVectorProductOfTheCoupledFunctionIsTheHandWrittenHessianTimesTheDirection(int n)
    {
        var function = new CoupledRosenbrock(n, DataSeed);
        var x = function.CreatePoint(PointSeed);
        var h = new double[n, n];
        double value = function.ValueGradientHessian(x, new double[n], h);
        var random = new Random(3);
        var v = Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        var product = Garbage(n);
        AssertClose(value, AD.HessianVectorProduct(function.Definition)(x, v, product), AdTolerance, "value");
        for (int i = 0; i < n; i++)
        {
            double expected = 0;
            for (int j = 0; j < n; j++)
            {
                expected += h[i, j] * v[j];
            }
            AssertClose(expected, product[i], AdTolerance, $"(Hv)[{i}]");
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(CoupledBroyden.BenchmarkDimension)]
    public void CoupledBroydenJacobianMatchesExprADAndCentralDifferences(int n)
    {
        var function = new CoupledBroyden(n, DataSeed);
        AssertJacobian(function.Definition, function.Values, function.ValuesAndJacobian, function.CreatePoint(PointSeed), n);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(CurveFitResiduals.BenchmarkPoints)]
    public void CurveFitJacobianMatchesExprADAndCentralDifferences(int m)
    {
        var function = new CurveFitResiduals(m, DataSeed);
        AssertJacobian(function.Definition, function.Values, function.ValuesAndJacobian, CurveFitResiduals.CreatePoint(PointSeed), m);
    }

    private static void AssertJacobian(
        System.Linq.Expressions.Expression<Func<double[], double[]>> definition,
        Action<double[], double[]> values,
        Action<double[], double[], double[,]> valuesAndJacobian,
        double[] x,
        int m)
    {
        int n = x.Length;
        var f = Garbage(m);
        var jacobian = new double[m, n];
        Fill(jacobian);
        valuesAndJacobian(x, f, jacobian);

        var plain = new double[m];
        values(x, plain);
        var compiled = definition.Compile()(x);
        var adValues = Garbage(m);
        var adJacobian = new double[m, n];
        Fill(adJacobian);
        AD.Jacobian(definition)(x, adValues, adJacobian);
        for (int i = 0; i < m; i++)
        {
            AssertClose(compiled[i], f[i], AdTolerance, $"F[{i}] vs the compiled definition");
            AssertClose(plain[i], f[i], AdTolerance, $"F[{i}] vs plain loops");
            AssertClose(adValues[i], f[i], AdTolerance, $"F[{i}] vs AD.Jacobian");
            for (int j = 0; j < n; j++)
            {
                AssertClose(adJacobian[i, j], jacobian[i, j], AdTolerance, $"J[{i},{j}] vs AD.Jacobian");
            }
        }
        for (int j = 0; j < n; j++)
        {
            double[] column = CentralColumn((p, v) => values(p, v), x, j, m);
            for (int i = 0; i < m; i++)
            {
                AssertClose(column[i], jacobian[i, j], DifferenceTolerance, $"J[{i},{j}] vs central differences");
            }
        }
    }

    private static double Step(double xi) => 1e-5 * Math.Max(1, Math.Abs(xi));

    // d f / d x[i] by central differences.
    private static double Central(Func<double[], double> f, double[] x, int i)
    {
        double step = Step(x[i]);
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[i] += step;
        minus[i] -= step;
        return (f(plus) - f(minus)) / (2 * step);
    }

    // d v / d x[j] by central differences, for a vector v of length m written by fill(x, v).
    private static double[] CentralColumn(Action<double[], double[]> fill, double[] x, int j, int m)
    {
        double step = Step(x[j]);
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[j] += step;
        minus[j] -= step;
        var up = new double[m];
        var down = new double[m];
        fill(plus, up);
        fill(minus, down);
        return up.Zip(down, (a, b) => (a - b) / (2 * step)).ToArray();
    }

    private static void AssertClose(double expected, double actual, double relative, string what)
    {
        double scale = Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        Assert.True(Math.Abs(expected - actual) <= relative * scale, $"{what}: expected {expected:R}, actual {actual:R}");
    }

    private static double[] Garbage(int length) => Enumerable.Repeat(12345.678, length).ToArray();

    private static void Fill(double[,] matrix)
    {
        for (int i = 0; i < matrix.GetLength(0); i++)
        {
            for (int j = 0; j < matrix.GetLength(1); j++)
            {
                matrix[i, j] = 12345.678;
            }
        }
    }
}
