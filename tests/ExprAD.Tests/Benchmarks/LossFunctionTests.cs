using System.Linq.Expressions;
using ExprAD.Benchmarks.Shared;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Benchmarks;

/// <summary>
/// One loss function of the loop benchmarks at one size, in the three forms that must agree: the LINQ
/// expression tree, the plain C# value, and the hand-written value-and-gradient.
/// </summary>
/// <param name="Definition">The expression tree ExprAD sees.</param>
/// <param name="Value">Plain C#.</param>
/// <param name="ValueAndGradient">Hand-written reverse mode; overwrites its second argument.</param>
/// <param name="Point">A deterministic evaluation point (seed differs from the benchmarks' so the tests are not tuned to it).</param>
public sealed record LossCase(
    Expression<Func<double[], double>> Definition,
    Func<double[], double> Value,
    Func<double[], double[], double> ValueAndGradient,
    double[] Point)
{
    private const int PointSeed = 2;
    private const int DataSeed = 1;

    /// <summary>
    /// Case names: every scenario at a small size and at the benchmark size (all are cheap: the largest is
    /// 200,000 multiply-adds per evaluation), plus the degenerate Rosenbrock sizes 1 and 2.
    /// </summary>
    public static TheoryData<string> Names() =>
    [
        "Rosenbrock n=1",
        "Rosenbrock n=2",
        "Rosenbrock n=10",
        "Rosenbrock n=10000",
        "Logistic m=200 d=20",
        "Logistic m=10000 d=20",
        "Mlp m=50 d=10 H=16",
        "Mlp m=1000 d=10 H=16",
        "Mlp m=3 d=2 H=1",
    ];

    /// <summary>Builds the case named by one of <see cref="Names"/>.</summary>
    public static LossCase Create(string name)
    {
        var sizes = name.Split(' ').Skip(1).Select(part => int.Parse(part[(part.IndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        switch (name.Split(' ')[0])
        {
            case "Rosenbrock":
                return new LossCase(
                    ExtendedRosenbrock.Definition,
                    ExtendedRosenbrock.Value,
                    ExtendedRosenbrock.ValueAndGradient,
                    ExtendedRosenbrock.CreatePoint(sizes[0], PointSeed));
            case "Logistic":
                var logistic = new LogisticRegressionLoss(sizes[0], sizes[1], DataSeed);
                return new LossCase(logistic.Definition, logistic.Value, logistic.ValueAndGradient, logistic.CreatePoint(PointSeed));
            case "Mlp":
                var mlp = new MlpRegressionLoss(sizes[0], sizes[1], sizes[2], DataSeed);
                return new LossCase(mlp.Definition, mlp.Value, mlp.ValueAndGradient, mlp.CreatePoint(PointSeed));
            default:
                throw new ArgumentException($"Unknown case {name}.", nameof(name));
        }
    }

    /// <summary>|expected - actual| &lt;= relative * max(1, |expected|, |actual|), with a readable failure message.</summary>
    public static void AssertRelativelyClose(double expected, double actual, double relativeTolerance, string what)
    {
        double scale = Math.Max(1.0, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        double error = Math.Abs(expected - actual);
        Assert.True(
            error <= relativeTolerance * scale,
            $"{what}: expected {Numeric.R(expected)}, actual {Numeric.R(actual)}, error {error:E3} > {relativeTolerance:E0} x {scale:G4}");
    }

    /// <summary>An array filled with a value no correct gradient produces, to catch entries left unwritten.</summary>
    public static double[] FilledWithGarbage(int length)
    {
        var array = new double[length];
        Array.Fill(array, 12345.678);
        return array;
    }
}

/// <summary>
/// Guards the loop-benchmark functions without ExprAD: the plain C# value must be the LINQ definition
/// (compiled by .NET), and the hand-written gradient must be the derivative of it. Otherwise the benchmark
/// ratios would compare different computations, and the ExprAD-versus-hand-written tests would compare
/// against a wrong reference.
/// </summary>
public class LossFunctionTests
{
    private const int DirectionCount = 3;

    // Five-point central difference (-f(x+2hv) + 8 f(x+hv) - 8 f(x-hv) + f(x-2hv)) / 12h. Its truncation error is
    // h^4 / 30 |d^5f/dt^5|: zero for the quartic Rosenbrock, below 1e-12 for the logistic and MLP losses at h = 1e-3
    // (their fifth directional derivatives are of the order of the loss, at most 1e4). Its rounding error is about
    // 1.5 eps S / h, with S the sum of the absolute values of the terms (at most 2e4 here): below 1e-8, against
    // directional derivatives of order 1 to 1e4 and a tolerance of 1e-6 relative. Measured errors are 1e-14 to 1e-9
    // relative, so the tolerance has a margin of three orders of magnitude, and a wrong partial derivative (a
    // missing factor, a wrong sign) changes the result in the first digits.
    private const double Step = 1e-3;
    private const double GradientTolerance = 1e-6;

    [Theory]
    [MemberData(nameof(LossCase.Names), MemberType = typeof(LossCase))]
    public void ValueEqualsTheCompiledDefinition(string name)
    {
        var loss = LossCase.Create(name);
        var compiled = loss.Definition.Compile();

        // Same operations in the same order (Enumerable.Sum adds from 0 left to right), so in practice the results
        // agree exactly; 1e-12 leaves room for Math.Pow(e, 2) against e * e.
        LossCase.AssertRelativelyClose(compiled(loss.Point), loss.Value(loss.Point), 1e-12, "value");
    }

    [Theory]
    [MemberData(nameof(LossCase.Names), MemberType = typeof(LossCase))]
    public void HandWrittenGradientMatchesCentralDifferences(string name)
    {
        var loss = LossCase.Create(name);
        var gradient = LossCase.FilledWithGarbage(loss.Point.Length);

        double value = loss.ValueAndGradient(loss.Point, gradient);

        LossCase.AssertRelativelyClose(loss.Value(loss.Point), value, 1e-12, "value");
        var random = new Random(3);
        for (int direction = 0; direction < DirectionCount; direction++)
        {
            var v = FiniteDifferences.RandomUnitDirection(random, loss.Point.Length);
            double expected = FivePointDirectional(loss.Value, loss.Point, v, Step);
            double actual = FiniteDifferences.Dot(gradient, v);
            LossCase.AssertRelativelyClose(expected, actual, GradientTolerance, $"directional derivative {direction}");
        }
    }

    [Fact]
    public void RosenbrockGradientIsZeroAtTheMinimum()
    {
        var ones = Enumerable.Repeat(1.0, 10).ToArray();
        var gradient = LossCase.FilledWithGarbage(ones.Length);

        double value = ExtendedRosenbrock.ValueAndGradient(ones, gradient);

        Assert.Equal(0.0, value);
        Assert.All(gradient, entry => Assert.Equal(0.0, entry));
    }

    [Fact]
    public void HandWrittenGradientsRejectAWrongSizedGradientBuffer()
    {
        var logistic = new LogisticRegressionLoss(rows: 5, features: 3, seed: 1);
        var mlp = new MlpRegressionLoss(rows: 5, inputs: 2, hidden: 2, seed: 1);

        Assert.Throws<ArgumentException>(() => ExtendedRosenbrock.ValueAndGradient(new double[4], new double[3]));
        Assert.Throws<ArgumentException>(() => logistic.ValueAndGradient(new double[3], new double[4]));
        Assert.Throws<ArgumentException>(() => mlp.ValueAndGradient(new double[mlp.Dimension], new double[mlp.Dimension - 1]));
    }

    private static double FivePointDirectional(Func<double[], double> f, double[] x, double[] v, double h)
    {
        double plusTwo = f(FiniteDifferences.Offset(x, v, 2 * h));
        double plusOne = f(FiniteDifferences.Offset(x, v, h));
        double minusOne = f(FiniteDifferences.Offset(x, v, -h));
        double minusTwo = f(FiniteDifferences.Offset(x, v, -2 * h));
        return (-plusTwo + 8 * plusOne - 8 * minusOne + minusTwo) / (12 * h);
    }
}

/// <summary>
/// ExprAD on the loop-benchmark functions: AD.Compile(f) must compute the plain value, and AD.Differentiate(f)
/// must return the value and gradient of the hand-written reverse mode (itself checked against finite differences
/// by <see cref="LossFunctionTests"/>). These need the LINQ lowering: without it both calls throw
/// NotSupportedException.
/// </summary>
public class LossFunctionDifferentiationTests
{
    [Theory]
    [MemberData(nameof(LossCase.Names), MemberType = typeof(LossCase))]
    public void CompiledFunctionEqualsValue(string name)
    {
        var loss = LossCase.Create(name);
        var compiled = AD.Compile(loss.Definition);

        LossCase.AssertRelativelyClose(loss.Value(loss.Point), compiled(loss.Point), 1e-12, "value");
    }

    [Theory]
    [MemberData(nameof(LossCase.Names), MemberType = typeof(LossCase))]
    public void GradientEqualsHandWrittenGradient(string name)
    {
        var loss = LossCase.Create(name);
        var expected = new double[loss.Point.Length];
        double expectedValue = loss.ValueAndGradient(loss.Point, expected);
        var differentiated = AD.Differentiate(loss.Definition);
        var actual = LossCase.FilledWithGarbage(loss.Point.Length);

        double actualValue = differentiated(loss.Point, actual);

        // The same sums, but reverse mode may accumulate the gradient in another order (for instance the rows
        // backwards): the rounding differences are of order eps times the number of rows, far below 1e-10.
        LossCase.AssertRelativelyClose(expectedValue, actualValue, 1e-10, "value");
        for (int i = 0; i < expected.Length; i++)
        {
            LossCase.AssertRelativelyClose(expected[i], actual[i], 1e-10, $"gradient[{i}]");
        }
    }
}
