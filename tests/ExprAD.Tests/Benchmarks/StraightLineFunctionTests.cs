using System.Linq.Expressions;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Tests.Benchmarks;

/// <summary>
/// Guards the benchmark function: its three forms (expression tree, plain C#, hand-written gradient) must
/// agree, or the benchmark ratios compare different computations.
/// </summary>
public class StraightLineFunctionTests
{
    private const int PointCount = 5;

    // Seeds fixed so a failure reproduces; different from the benchmark's seed so the tests are not tuned to it.
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (int seed = 1; seed <= PointCount; seed++)
        {
            seeds.Add(seed);
        }
        return seeds;
    }

    [Fact]
    public void DefinitionHasAboutThreeHundredNodes()
    {
        int nodeCount = StraightLineFunction.CountNodes(StraightLineFunction.Definition.Body);

        Assert.InRange(nodeCount, 280, 330);
    }

    [Fact]
    public void CountNodesCountsEverySubexpression()
    {
        // x[0] * 2.0 is Multiply(ArrayIndex(x, 0), 2.0): five nodes.
        Expression<Func<double[], double>> small = x => x[0] * 2.0;

        Assert.Equal(5, StraightLineFunction.CountNodes(small.Body));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ValueEqualsTheCompiledDefinition(int seed)
    {
        var point = StraightLineFunction.CreatePoint(seed);
        var compiled = StraightLineFunction.Definition.Compile();

        // Same operations in the same order, so the results agree exactly.
        Assert.Equal(compiled(point), StraightLineFunction.Value(point));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void HandWrittenGradientMatchesCentralDifferences(int seed)
    {
        var point = StraightLineFunction.CreatePoint(seed);
        var gradient = FilledWithGarbage(StraightLineFunction.Dimension);

        double value = StraightLineFunction.ValueAndGradient(point, gradient);

        AssertRelativelyClose(StraightLineFunction.Value(point), value, 1e-14, "value");
        for (int i = 0; i < point.Length; i++)
        {
            double difference = CentralDifference(StraightLineFunction.Value, point, i);
            // Step 1e-6 leaves a truncation error ~1e-12 and a rounding error ~eps |f| / h ~ 1e-8, far below 1e-6.
            AssertRelativelyClose(difference, gradient[i], 1e-6, $"gradient[{i}]");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ExprAdGradientEqualsHandWrittenGradient(int seed)
    {
        var point = StraightLineFunction.CreatePoint(seed);
        var expected = new double[StraightLineFunction.Dimension];
        double expectedValue = StraightLineFunction.ValueAndGradient(point, expected);
        var differentiated = AD.Differentiate(StraightLineFunction.Definition);
        var actual = FilledWithGarbage(StraightLineFunction.Dimension);

        double actualValue = differentiated(point, actual);

        AssertRelativelyClose(expectedValue, actualValue, 1e-12, "value");
        for (int i = 0; i < expected.Length; i++)
        {
            AssertRelativelyClose(expected[i], actual[i], 1e-12, $"gradient[{i}]");
        }
    }

    private static double CentralDifference(Func<double[], double> f, double[] point, int index)
    {
        var shifted = (double[])point.Clone();
        double step = 1e-6 * Math.Max(1.0, Math.Abs(point[index]));
        shifted[index] = point[index] + step;
        double forward = f(shifted);
        shifted[index] = point[index] - step;
        double backward = f(shifted);
        // Divide by the step actually taken, which rounding may have changed.
        return (forward - backward) / ((point[index] + step) - (point[index] - step));
    }

    // Catches implementations that only add into the gradient instead of overwriting every entry.
    private static double[] FilledWithGarbage(int length)
    {
        var array = new double[length];
        Array.Fill(array, 12345.678);
        return array;
    }

    // Relative to the larger magnitude, with a floor of 1 so components near zero are compared absolutely.
    private static void AssertRelativelyClose(double expected, double actual, double relativeTolerance, string what)
    {
        double scale = Math.Max(1.0, Math.Max(Math.Abs(expected), Math.Abs(actual)));
        double error = Math.Abs(expected - actual);
        Assert.True(
            error <= relativeTolerance * scale,
            $"{what}: expected {expected:R}, actual {actual:R}, error {error:E3} > {relativeTolerance:E0} x {scale:G4}");
    }
}
