using System.Diagnostics;
using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using Xunit.Abstractions;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Property test over random loop programs (<see cref="LoopProgramGenerator"/>): at two random points each,
/// the gradient delegate's value is the bits of <c>f.Compile()</c> and of <see cref="AD.Compile"/>, and the
/// gradient agrees with a central difference in a random direction.
/// </summary>
/// <remarks>
/// Tolerance as in <see cref="LoopCheck"/>: |fd - &lt;g, v&gt;| &lt;= 1e-6 (1 + |g|_2). Points where finite
/// differences cannot be trusted at that level are skipped, not checked loosely: the function is too large
/// (|f| &gt; 1e4, where rounding noise of eps |f| / h reaches the tolerance), or the difference's own error
/// estimate (from steps h and 2h) is above a tenth of the tolerance, which is also what happens when a branch or a
/// data-dependent break flips within the step. Programs are numbered by seed; a failure prints the seed, the
/// point and the program as C#.
/// </remarks>
public partial class RandomLoopProgramTests(ITestOutputHelper output)
{
    private const int Programs = 500;
    private const int PointsPerProgram = 2;
    private const double MaxValue = 1e4;

    private enum Outcome { Checked, TooLarge, OracleInaccurate }

    private sealed class Stats
    {
        public int Programs;
        public int Points;
        public int Checked;
        public int TooLarge;
        public int OracleInaccurate;
        public double SmallestDirectional = double.PositiveInfinity;
        public readonly List<string> Failures = [];
        public readonly List<string> FdMismatches = [];

        public override string ToString()
            => $"{Programs} programs, {Points} points: {Checked} checked, {TooLarge} too large, {OracleInaccurate} where finite differences " +
               $"were not accurate enough; {Failures.Count} failures";
    }

    [Fact]
    public void RandomLoopProgramsMatchFiniteDifferencesAndTheirValues()
        => RunAndAssert(new LoopProgramOptions(), firstSeed: 1_000);

    /// <summary>The same property without conditionals, so that the other constructs are covered while conditionals in loops fail (see <see cref="LoopCoreBugTests"/>).</summary>
    [Fact]
    public void RandomLoopProgramsWithoutConditionals()
        => RunAndAssert(new LoopProgramOptions(Conditionals: false), firstSeed: 50_000, programs: 200);

    private void RunAndAssert(LoopProgramOptions options, int firstSeed, int programs = Programs)
    {
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        for (var seed = firstSeed; seed < firstSeed + programs; seed++) CheckProgram(seed, options, stats, mutate: null);
        output.WriteLine($"{stats} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var failure in stats.Failures.Take(5)) output.WriteLine(failure);

        Assert.True(stats.Failures.Count == 0,
            $"{stats.Failures.Count} of {stats.Programs} programs failed; the first:\n{string.Join("\n\n", stats.Failures.Take(3))}");
        Assert.Equal(programs, stats.Programs);
        // Guard against a vacuous pass: nearly every point must have been checked against finite differences.
        Assert.True(stats.Checked >= 0.85 * stats.Points, stats.ToString());
    }

    private static void CheckProgram(int seed, LoopProgramOptions options, Stats stats, Func<GradientFunc, GradientFunc>? mutate)
    {
        var generator = new LoopProgramGenerator(seed, options);
        var f = generator.Program();
        stats.Programs++;
        string Where(double[]? x = null) => $"seed {seed}" + (x is null ? "" : $" at x = [{FiniteDifferences.Format(x)}]") + $":\n{AD.ToCSharp(f)}";

        Func<double[], double> plain, compiled;
        GradientFunc gradient;
        try
        {
            plain = f.Compile();
            compiled = AD.Compile(f);
            gradient = AD.Differentiate(f);
        }
        catch (Exception e)
        {
            stats.Failures.Add($"{e.GetType().Name}: {e.Message}\n{Where()}");
            return;
        }
        if (mutate is not null) gradient = mutate(gradient);

        var rng = new Random(seed);
        for (var p = 0; p < PointsPerProgram; p++)
        {
            var x = FiniteDifferences.RandomPoint(rng, generator.N, -1.5, 1.5);
            var v = FiniteDifferences.RandomUnitDirection(rng, x.Length);
            stats.Points++;
            try
            {
                switch (CheckPoint(plain, compiled, gradient, x, v, stats))
                {
                    case Outcome.Checked: stats.Checked++; break;
                    case Outcome.TooLarge: stats.TooLarge++; break;
                    case Outcome.OracleInaccurate: stats.OracleInaccurate++; break;
                }
            }
            catch (FdMismatch e)
            {
                stats.FdMismatches.Add(e.Message);
                stats.Failures.Add($"{e.Message}\n{Where(x)}");
                return;
            }
            catch (Exception e)
            {
                stats.Failures.Add($"{e.GetType().Name}: {e.Message}\n{Where(x)}");
                return;
            }
        }
    }

    private sealed class FdMismatch(string message) : Exception(message);

    private static Outcome CheckPoint(Func<double[], double> plain, Func<double[], double> compiled, GradientFunc gradient, double[] x, double[] v, Stats stats)
    {
        var reference = plain((double[])x.Clone());
        if (!double.IsFinite(reference) || Math.Abs(reference) > MaxValue) return Outcome.TooLarge;

        var (value, g) = Numeric.Evaluate(gradient, (double[])x.Clone());
        Numeric.AssertSameBits(reference, value, "gradient delegate's value vs f.Compile()");
        Numeric.AssertSameBits(reference, compiled((double[])x.Clone()), "AD.Compile vs f.Compile()");
        Assert.All(g, gi => Assert.True(double.IsFinite(gi) && gi != Numeric.Sentinel, $"gradient entry {Numeric.R(gi)}"));

        var tolerance = LoopCheck.FdTolerance * (1 + LoopCheck.Norm(g));
        var (fd, error) = FiniteDifferences.DirectionalWithError(plain, x, v, FiniteDifferences.Step(x));
        if (!(error <= 0.1 * tolerance)) return Outcome.OracleInaccurate;
        var ad = FiniteDifferences.Dot(g, v);
        stats.SmallestDirectional = Math.Min(stats.SmallestDirectional, Math.Abs(ad));
        if (!(Math.Abs(fd - ad) <= tolerance))
            throw new FdMismatch($"directional derivative: AD {Numeric.R(ad)}, finite differences {Numeric.R(fd)} (error estimate {error:E2}), " +
                                 $"|diff| {Math.Abs(fd - ad):E3} > {tolerance:E3}; gradient [{FiniteDifferences.Format(g)}], v [{FiniteDifferences.Format(v)}]");
        return Outcome.Checked;
    }

    [Fact]
    public void GeneratorReachesEveryConstruct()
    {
        var seen = new HashSet<string>();
        var lengths = new HashSet<int>();
        for (var seed = 1_000; seed < 1_000 + Programs; seed++)
        {
            var generator = new LoopProgramGenerator(seed, new LoopProgramOptions());
            generator.Program();
            seen.UnionWith(generator.Features);
            lengths.Add(generator.N);
        }
        string[] expected =
        [
            "depth 1", "depth 2", "depth 3", "range [0, n)", "range [1, n)", "zero trips", "constant range", "count down",
            "dependent range", "count down to enclosing counter", "step 2", "local accumulator", "carried int index",
            "break first", "break in the middle", "if", "if/else", "loop in conditional", "conditional expression",
            "condition on counters", "counter as a value", "index (i + j) % n", "index n - 1 - i", "index m",
            .. Enum.GetNames<StepStyle>().Select(s => "style " + s),
            .. Enum.GetNames<LoopShape>().Select(s => "shape " + s),
            .. Enumerable.Range(0, 9).Select(k => $"update {k}"),
        ];
        Assert.Empty(expected.Except(seen));
        Assert.Equal([1, 2, 3, 4, 5, 6], lengths.Order());
    }

    [Theory]
    [InlineData(1.001)]
    [InlineData(-1.0)]
    public void HarnessDetectsAScaledGradient(double factor)
    {
        // The property must be able to fail: a gradient off by 0.1% is caught on nearly every program that
        // otherwise passes (programs failing for other reasons, or whose directional derivatives are below
        // 1e-2, where a 0.1% change is within the tolerance, are left out).
        var (good, caught) = MutationCatches(inner => (x, g) =>
        {
            var value = inner(x, g);
            for (var i = 0; i < g.Length; i++) g[i] *= factor;
            return value;
        }, stats => stats.FdMismatches.Count > 0);
        Assert.True(caught >= 0.9 * good, $"only {caught} of {good} programs caught the scaled gradient");
    }

    [Fact]
    public void HarnessDetectsAValueOneUlpOff()
    {
        var (good, caught) = MutationCatches(
            inner => (x, g) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(inner(x, g)) + 1),
            stats => stats.Failures.Any(f => f.Contains("gradient delegate's value vs f.Compile()", StringComparison.Ordinal)));
        Assert.Equal(good, caught);
    }

    /// <summary>Runs a mutation on the first 30 programs that pass unmutated; returns how many caught it.</summary>
    private static (int Good, int Caught) MutationCatches(Func<GradientFunc, GradientFunc> mutate, Func<Stats, bool> isCaught)
    {
        var (good, caught) = (0, 0);
        for (var seed = 1_000; seed < 1_000 + Programs && good < 30; seed++)
        {
            var plain = new Stats();
            CheckProgram(seed, new LoopProgramOptions(), plain, mutate: null);
            if (plain.Failures.Count > 0 || plain.Checked < PointsPerProgram || plain.SmallestDirectional < 1e-2) continue;
            good++;
            var mutated = new Stats();
            CheckProgram(seed, new LoopProgramOptions(), mutated, mutate);
            if (isCaught(mutated)) caught++;
        }
        Assert.True(good >= 30, $"only {good} passing programs to mutate");
        return (good, caught);
    }

    /// <summary>For reproducing a failure: the program of one seed as C#.</summary>
    internal static string Show(int seed, LoopProgramOptions options) => AD.ToCSharp(new LoopProgramGenerator(seed, options).Program());

    internal static Expression<Func<double[], double>> Build(int seed, LoopProgramOptions options) => new LoopProgramGenerator(seed, options).Program();
}
