using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Reduction loops that read x at fixed offsets from their counter (x[i-1], x[i], x[i+1]) keep those gradient
/// entries in registers that slide with the counter; the entries must come out as if added one by one,
/// whatever the trip count (none, one, many), the start, gaps between the offsets, and in every mode.
/// </summary>
public class GradientWindowTests
{
    // Offsets -1, 0, +1: a discrete Laplacian-like coupling.
    private static readonly Expression<Func<double[], double>> ThreePoint = x =>
        Enumerable.Range(1, x.Length - 2).Sum(i => Math.Sin(x[i - 1]) * x[i] + x[i + 1] * x[i + 1] * x[i]);

    // Offsets 0 and +2 with a gap at +1, starting at 2: entries 0 and 1 are never touched.
    private static readonly Expression<Func<double[], double>> Gapped = x =>
        Enumerable.Range(2, Math.Max(0, x.Length - 4)).Sum(i => x[i] * Math.Exp(0.3 * x[i + 2]));

    private static readonly Expression<Func<double[], double>> Rosenbrock = x =>
        Enumerable.Range(0, x.Length - 1).Sum(i => 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]));

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (var name in new[] { nameof(ThreePoint), nameof(Gapped), nameof(Rosenbrock) })
            foreach (var n in new[] { 2, 3, 4, 5, 6, 9, 40 })
                cases.Add(name, n);
        return cases;
    }

    private static Expression<Func<double[], double>> Function(string name) => name switch
    {
        nameof(ThreePoint) => ThreePoint,
        nameof(Gapped) => Gapped,
        _ => Rosenbrock,
    };

    [Fact]
    public void TheWindowIsUsedForEachFunction()
    {
        foreach (var f in new[] { ThreePoint, Gapped, Rosenbrock })
        {
            var printed = AD.ToCSharp(AD.GradientExpression(f));
            Assert.Contains("pending1", printed);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesFiniteDifferencesAndForwardModeForEveryTripCount(string name, int n)
    {
        var f = Function(name);
        var x = LoopCheck.RandomPoint(n, n, -1.2, 1.2);
        var g = LoopCheck.Run(f, x, seed: n, perCoordinate: true, context: name);

        // Forward mode, one coordinate at a time, has no window: it must give the same numbers.
        var directional = AD.DirectionalDerivative(f);
        for (var i = 0; i < n; i++)
        {
            var e = new double[n];
            e[i] = 1;
            Assert.Equal(directional(x, e), g[i], 1e-12);
        }
    }

    [Fact]
    public void UntouchedEntriesAreZeroAndEntriesOutsideTheWindowStillAdd()
    {
        // Entries 0 and 1 are outside Gapped's range; with n = 5 the loop runs once (i = 2) and touches 2 and 4, not 3.
        var g = new double[5];
        Array.Fill(g, double.NaN);
        AD.Differentiate(Gapped)([0.1, 0.2, 0.3, 0.4, 0.5], g);
        Assert.Equal([0, 0, Math.Exp(0.3 * 0.5), 0, 0.3 * 0.3 * Math.Exp(0.3 * 0.5)], g, new ToleranceComparer(1e-15));

        // The same entry reached through the window (x[i], x[i+1]) and outside it (x[0] in every term, x[n-1] after the loop).
        Expression<Func<double[], double>> mixed = x =>
            Enumerable.Range(0, x.Length - 1).Sum(i => x[i] * x[i + 1] * x[0]) + x[x.Length - 1] * x[1];
        var point = LoopCheck.RandomPoint(3, 7, -1, 1);
        LoopCheck.Run(mixed, point, seed: 3, perCoordinate: true);
        Assert.Contains("pending1", AD.ToCSharp(AD.GradientExpression(mixed)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void AWindowThatWritesTheGradientFirstLeavesNoStaleEntries(int n)
    {
        // The loop is the first code to touch the gradient, so it stores instead of adding and the entries it
        // does not cover are zeroed after it; code after the loop (x[0] x[n-1]) still adds on top.
        Expression<Func<double[], double>> f = x =>
            Enumerable.Range(1, Math.Max(0, x.Length - 2)).Sum(i => x[i] * Math.Sin(x[i + 1])) + x[0] * x[x.Length - 1];
        var printed = AD.ToCSharp(AD.GradientExpression(f));
        Assert.Contains("ArgumentChecks.ForGradient(", printed);
        Assert.Contains("zeroed", printed);
        var x = LoopCheck.RandomPoint(n, n, -1, 1);
        var g = LoopCheck.Run(f, x, seed: n, perCoordinate: true);
        var exact = new double[n];
        for (var i = 1; i < n - 1; i++)
        {
            exact[i] += Math.Sin(x[i + 1]);
            exact[i + 1] += x[i] * Math.Cos(x[i + 1]);
        }
        exact[0] += x[n - 1];
        exact[n - 1] += x[0];
        // Entries filled with garbage first must come out exact: nothing may be added to a stale value.
        var filled = Enumerable.Repeat(1e300, n).ToArray();
        AD.Differentiate(f)(x, filled);
        for (var i = 0; i < n; i++) Assert.Equal(exact[i], filled[i], 1e-14);
    }

    [Fact]
    public void AWindowThatWritesTheGradientFirstStillRejectsBadArguments()
    {
        // Its delegate checks the arguments inline and calls the checker only when one is bad: same exceptions.
        var gradient = AD.Differentiate(Rosenbrock);
        Assert.Throws<ArgumentNullException>(() => gradient(null!, new double[3]));
        Assert.Throws<ArgumentNullException>(() => gradient(new double[3], null!));
        var wrongLength = Assert.Throws<ArgumentException>(() => gradient(new double[3], new double[4]));
        Assert.Contains("4", wrongLength.Message);
        Assert.Contains("3", wrongLength.Message);
        var same = new double[3];
        Assert.Throws<ArgumentException>(() => gradient(same, same));
        Assert.Equal(2.0, gradient([0, 0, 0], new double[3])); // and the good path still runs
    }

    [Fact]
    public void WindowsInsideAnOuterLoopRestartForEachOuterIteration()
    {
        // sum over rows r of sum over i of x[i] x[i+1] w[r]: the inner window is flushed once per row.
        var w = new[] { 0.5, -1.5, 2.0 };
        Expression<Func<double[], double>> f = x =>
            Enumerable.Range(0, w.Length).Sum(r => w[r] * Enumerable.Range(0, x.Length - 1).Sum(i => Math.Sin(x[i] * x[i + 1] + r)));
        foreach (var n in new[] { 1, 2, 6 })
            LoopCheck.Run(f, LoopCheck.RandomPoint(n, n, -1, 1), seed: n, perCoordinate: true, context: $"n = {n}");
    }

    [Fact]
    public void HessianVectorProductsAndHessiansOfWindowedLoopsMatchTheExactOnes()
    {
        // Rosenbrock's Hessian is tridiagonal and known in closed form.
        var x = LoopCheck.RandomPoint(11, 6, -1.2, 1.2);
        var h = new double[6, 6];
        AD.Hessian(Rosenbrock)(x, new double[6], h);
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++)
            {
                double exact = 0;
                if (i == j)
                {
                    if (i < 5) exact += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
                    if (i > 0) exact += 200;
                }
                else if (Math.Abs(i - j) == 1)
                {
                    exact = -400 * x[Math.Min(i, j)];
                }
                Assert.Equal(exact, h[i, j], 1e-9);
            }

        var hvp = AD.HessianVectorProduct(ThreePoint);
        var point = LoopCheck.RandomPoint(12, 8, -1, 1);
        var v = FiniteDifferences.RandomUnitDirection(new Random(5), 8);
        var hv = new double[8];
        hvp(point, v, hv);
        var gradient = AD.Differentiate(ThreePoint);
        const double step = 1e-5;
        var plus = new double[8];
        var minus = new double[8];
        gradient(point.Zip(v, (a, b) => a + step * b).ToArray(), plus);
        gradient(point.Zip(v, (a, b) => a - step * b).ToArray(), minus);
        for (var i = 0; i < 8; i++) Assert.Equal((plus[i] - minus[i]) / (2 * step), hv[i], 1e-7);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
