using ExprAD.Benchmarks.Shared;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Formulas;

/// <summary>Vector formulas: x[i], n, sum and prod lowered to loops that AD differentiates.</summary>
public class VectorFormulaTests
{
    private const string Rosenbrock = "sum(i, 0, n-2, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)";

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(1000)]
    public void RosenbrockBySumMatchesTheCSharpRosenbrock(int n)
    {
        var rng = new Random(n);
        var x = FiniteDifferences.RandomPoint(rng, n, -1.5, 1.5);
        var parsed = Formula.Parse(Rosenbrock);

        var g = new double[n];
        double value = AD.Differentiate(parsed)(x, g);
        var expectedG = new double[n];
        double expected = ExtendedRosenbrock.ValueAndGradient(x, expectedG);

        Numeric.AssertClose(expected, value, 1e-13);
        Numeric.AssertClose(expected, AD.Compile(parsed)(x), 1e-13);
        Numeric.AssertClose(expectedG, g, 1e-12);
    }

    [Fact]
    public void RosenbrockStaysALoop()
    {
        // The derivative code contains a loop, not n unrolled terms.
        string code = AD.ToCSharp(AD.GradientExpression(Formula.Parse(Rosenbrock)));
        Assert.True(code.Contains("while", StringComparison.Ordinal) || code.Contains("for (", StringComparison.Ordinal), code);
    }

    [Fact]
    public void ProdOverTheInput()
    {
        var f = Formula.Parse("prod(i, 0, n-1, x[i])");
        var (value, g) = Numeric.Evaluate(AD.Differentiate(f), 2.0, 3.0, 5.0);
        Assert.Equal(30.0, value);
        Numeric.AssertClose([15.0, 10.0, 6.0], g, 1e-15);
    }

    [Fact]
    public void NestedSumsWithAnInnerBoundOnTheOuterIndex()
    {
        // sum over j <= i of x[i]*x[j]
        var f = Formula.Parse("sum(i, 0, n-1, sum(j, 0, i, x[i]*x[j]))");
        double[] x = [0.5, -1.25, 2.0, 0.75];
        double expected = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                expected += x[i] * x[j];
            }
        }
        Assert.Equal(expected, AD.Compile(f)(x), 12);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), AD.Compile(f), x);
    }

    [Fact]
    public void EmptyRangesGiveTheIdentity()
    {
        Assert.Equal(0.0, AD.Compile(Formula.Parse("sum(i, 3, 2, x[i])"))([1.0]));
        Assert.Equal(1.0, AD.Compile(Formula.Parse("prod(i, 0, n-1, x[i])"))([]));
    }

    [Fact]
    public void LengthAndIndexArithmetic()
    {
        var f = AD.Compile(Formula.Parse("n + x[n-1] + x[2*1-1] + sum(i, 0, n/2 < 2 ? 0 : 1, x[i])"));
        // n/2 is 1.5 (not integer division), so the sum runs over i = 0 only.
        Assert.Equal(3 + 30.0 + 20.0 + 10.0, f([10.0, 20.0, 30.0]));
    }

    [Fact]
    public void ConditionalsAndFunctionsInsideLoops()
    {
        var f = Formula.Parse("sum(i, 0, n-1, x[i] > 0 ? sqrt(x[i]) : -x[i]^2) + log(1 + sum(k, 0, n-1, exp(x[k])))");
        double[] x = [0.5, -0.3, 1.7, 0.9, -1.1];
        double expected = x.Sum(v => v > 0 ? Math.Sqrt(v) : -Math.Pow(v, 2)) + Math.Log(1 + x.Sum(Math.Exp));
        Assert.Equal(expected, AD.Compile(f)(x), 12);
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), AD.Compile(f), x);
    }

    [Fact]
    public void LeastSquaresWithTheIndexAsData()
    {
        // Fit a + b*t to t^2 at t = 0..4: x = [a, b], the index supplies the data.
        var f = Formula.Parse("sum(t, 0, 4, (x[0] + x[1]*t - t^2)^2)");
        double[] x = [0.3, 1.1];
        FiniteDifferences.AssertPerCoordinate(AD.Differentiate(f), AD.Compile(f), x);
    }

    [Fact]
    public void ReadingOutsideTheVectorThrowsAtCallTime()
    {
        var f = AD.Compile(Formula.Parse("x[3]"));
        Assert.Throws<IndexOutOfRangeException>(() => f([1.0, 2.0]));
    }
}
