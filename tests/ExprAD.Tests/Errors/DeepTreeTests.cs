using System.Linq.Expressions;
using Xunit.Abstractions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Errors;

/// <summary>
/// Very deep trees: the library must either handle them or fail with an ordinary, catchable exception. A stack
/// overflow cannot be caught and takes the whole test process down, which fails the run.
/// </summary>
[Trait("Category", "Deep")]
public class DeepTreeTests(ITestOutputHelper output)
{
    private static readonly Type[] AcceptableFailures =
    [
        typeof(InsufficientExecutionStackException),
        typeof(NotSupportedException),
        typeof(InvalidOperationException),
    ];

    private static readonly ParameterExpression X = Expression.Parameter(typeof(double[]), "x");

    private static Expression Element(int i) => Expression.ArrayIndex(X, Expression.Constant(i));

    private static Expression<Func<double[], double>> Lambda(Expression body) => Expression.Lambda<Func<double[], double>>(body, X);

    /// <summary>Runs <paramref name="differentiate"/>; returns null if it threw one of the acceptable exceptions.</summary>
    private T? WorksOrFailsCleanly<T>(Func<T> differentiate) where T : class
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var result = differentiate();
            output.WriteLine($"differentiated in {clock.ElapsedMilliseconds} ms; checking value and gradient");
            return result;
        }
        catch (Exception e) when (AcceptableFailures.Contains(e.GetType()))
        {
            // A clean refusal is allowed; the message should say what was too deep.
            output.WriteLine($"refused after {clock.ElapsedMilliseconds} ms with {e.GetType().Name}: {e.Message}");
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return null;
        }
    }

    [Fact]
    public void LeftDeepSumOf100000TermsWorksOrFailsCleanly()
    {
        const int terms = 100_000;
        const int n = 7;
        Expression body = Element(0);
        var counts = new double[n];
        counts[0] = 1;
        for (int i = 1; i < terms; i++)
        {
            body = Expression.Add(body, Element(i % n));
            counts[i % n]++;
        }
        var f = Lambda(body);

        var gradient = WorksOrFailsCleanly(() => AD.Differentiate(f));
        if (gradient is null)
        {
            return;
        }

        // Small integers: every partial sum is exact, so the value is exact in any order of summation.
        double[] x = [1, -2, 3, 4, -5, 6, 7];
        double expected = 0;
        for (int j = 0; j < n; j++)
        {
            expected += counts[j] * x[j];
        }
        var (value, g) = Numeric.Evaluate(gradient, x);
        Assert.Equal(expected, value);
        Assert.Equal(counts, g);
    }

    [Fact]
    public void RightDeepSumOf100000TermsWorksOrFailsCleanly()
    {
        const int terms = 100_000;
        const int n = 3;
        Expression body = Element((terms - 1) % n);
        var counts = new double[n];
        counts[(terms - 1) % n] = 1;
        for (int i = terms - 2; i >= 0; i--)
        {
            body = Expression.Add(Element(i % n), body);
            counts[i % n]++;
        }
        var f = Lambda(body);

        var gradient = WorksOrFailsCleanly(() => AD.Differentiate(f));
        if (gradient is null)
        {
            return;
        }

        double[] x = [0.5, -1.5, 2];
        double expected = 0;
        for (int j = 0; j < n; j++)
        {
            expected += counts[j] * x[j];
        }
        var (value, g) = Numeric.Evaluate(gradient, x);
        Assert.Equal(expected, value);
        Assert.Equal(counts, g);
    }

    [Theory]
    [InlineData(1_000_000)]
    [InlineData(1_000_001)]
    public void NegateChainOfAMillionWorksOrFailsCleanly(int depth)
    {
        Expression body = Element(1);
        for (int i = 0; i < depth; i++)
        {
            body = Expression.Negate(body);
        }
        var f = Lambda(body);

        var gradient = WorksOrFailsCleanly(() => AD.Differentiate(f));
        if (gradient is null)
        {
            return;
        }

        double sign = depth % 2 == 0 ? 1 : -1;
        var (value, g) = Numeric.Evaluate(gradient, 4.0, 2.5);
        Assert.Equal(sign * 2.5, value);
        Assert.Equal([0.0, sign], g);
    }

    [Fact]
    public void NestedSinOfDepth20000MatchesChainRuleAndFiniteDifferences()
    {
        const int depth = 20_000;
        Expression body = Element(0);
        var sin = typeof(Math).GetMethod(nameof(Math.Sin), [typeof(double)])!;
        for (int i = 0; i < depth; i++)
        {
            body = Expression.Call(sin, body);
        }
        var f = Lambda(body);

        var gradient = WorksOrFailsCleanly(() => AD.Differentiate(f));
        if (gradient is null)
        {
            return;
        }

        // Exact reference by the chain rule, in the same order of operations as the tree: value by repeated sin,
        // derivative as the product of cos of every intermediate. 20,000 roundings give at most ~4e-12 relative.
        double x0 = 1.2;
        double v = x0, d = 1;
        for (int i = 0; i < depth; i++)
        {
            d *= Math.Cos(v);
            v = Math.Sin(v);
        }

        var (value, g) = Numeric.Evaluate(gradient, x0);
        Assert.Equal(v, value);
        Assert.True(Math.Abs(g[0] - d) <= 1e-10 * Math.Abs(d), $"chain rule {Numeric.R(d)} vs AD {Numeric.R(g[0])}");

        // Finite differences: the derivative is small (6.6e-7 at x = 1.2), so FiniteDifferences.Agrees, whose
        // absolute floor is 1e-5, would accept 0. Compare relatively instead. With h = 1e-4 the central difference
        // is off by about 1.5e-7 relative (rounding accumulated over 20,000 sines, divided by 2h; truncation
        // h^2/6 * |f'''/f'| is smaller), against a tolerance of 1e-5 relative. h = 1e-6 would be too noisy (3e-5).
        const double h = 1e-4;
        var compiled = f.Compile();
        double fd = (compiled([x0 + h]) - compiled([x0 - h])) / (2 * h);
        Assert.True(Math.Abs(fd - g[0]) <= 1e-5 * Math.Abs(g[0]), $"finite difference {Numeric.R(fd)} vs AD {Numeric.R(g[0])}");
        Assert.True(g[0] > 1e-8, "the derivative is positive and not negligible");
    }
}
