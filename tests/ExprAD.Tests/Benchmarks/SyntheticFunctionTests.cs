using ExprAD.Benchmarks.Shared;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Benchmarks;

/// <summary>
/// Guards the generated functions of the compile-time benchmarks: the size they claim, determinism, finite values
/// on the input box, and that ExprAD differentiates them correctly (so the benchmark times a working transform).
/// </summary>
public class SyntheticFunctionTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(10_000)]
    public void HasAtLeastTheRequestedNodesAndLessThanOneTermMore(int nodes)
    {
        int count = StraightLineFunction.CountNodes(SyntheticFunction.Create(nodes).Body);

        Assert.InRange(count, nodes, nodes + 100);
    }

    [Fact]
    public void IsTheSameForTheSameSeed()
    {
        var first = SyntheticFunction.Create(300, seed: 5);
        var second = SyntheticFunction.Create(300, seed: 5);

        Assert.Equal(AD.ToCSharp(first), AD.ToCSharp(second));
    }

    [Theory]
    [InlineData(100, 1)]
    [InlineData(1_000, 2)]
    public void IsFiniteAndExprAdMatchesFiniteDifferences(int nodes, int seed)
    {
        var f = SyntheticFunction.Create(nodes);
        var point = SyntheticFunction.CreatePoint(seed);
        var gradient = new double[SyntheticFunction.Dimension];

        double value = AD.Differentiate(f)(point, gradient);

        Assert.True(double.IsFinite(value));
        Assert.Equal(AD.Compile(f)(point), value);
        var expected = FiniteDifferences.Gradient(AD.Compile(f), point);
        double scale = 1 + expected.Max(Math.Abs);
        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(Math.Abs(gradient[i] - expected[i]) <= 1e-6 * scale, $"entry {i}: ExprAD {gradient[i]}, FD {expected[i]}");
        }
    }
}
