using System.Diagnostics;
using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;

namespace ExprAD.Tests.Loops;

/// <summary>
/// The random loop programs with local arrays, breaks and continues nested in conditionals, and returns
/// (<see cref="LoopProgramOptions.All"/>), through every mode: the gradient against central differences, forward
/// mode against the gradient, and the Hessian-vector product against central differences of the gradient.
/// </summary>
/// <remarks>
/// <para>
/// No program may be refused by any mode. Programs whose arrays are read and written anywhere
/// (<see cref="LoopProgramGenerator.HasFreeArray"/>) were refused by <see cref="AD.Differentiate"/> (an array element
/// "written again") until the reverse sweep kept what overwritten arrays held (taped reads and snapshots at the start of
/// iterations, <c>ReverseSweep.OverwrittenArrays</c>); a refusal of one is now a failure like any other. Anything thrown
/// when a compiled delegate is called is a failure.
/// </para>
/// <para>
/// Tolerances. Gradient: as in the first-order property. Forward vs reverse mode: |D_v f - &lt;g, v&gt;| &lt;=
/// 1e-9 (1 + |g|_2), the two modes sum the same partials in other orders. Hessian-vector product:
/// (g(x + hv) - g(x - hv)) / 2h with h = 1e-5 max(1, |x|_inf) against Hv, entry by entry, within 1e-5 (1 + |Hv|_2);
/// points where that difference's own error estimate (from h and 2h) is above a tenth of it are skipped, which is
/// also what happens when a branch, break, continue or return decision flips within the step.
/// </para>
/// </remarks>
public partial class RandomLoopProgramTests
{
    private const int ExtendedProgramCount = 250;
    private const double ForwardTolerance = 1e-9;
    private const double HvpTolerance = 1e-5;

    private sealed class ExtendedStats
    {
        public int Programs;
        public int Points;
        public int TooLarge;
        public int GradientChecked;
        public int GradientOracleInaccurate;
        public int ForwardChecked;
        public int HvpChecked;
        public int HvpOracleInaccurate;
        public readonly List<string> Failures = [];

        public int AcceptedPoints => Points - TooLarge;

        public override string ToString()
            => $"{Programs} programs; {Points} points, {TooLarge} too large; " +
               $"gradient vs finite differences checked at {GradientChecked} ({GradientOracleInaccurate} skipped), forward vs reverse at {ForwardChecked}, " +
               $"Hessian-vector product vs differences of the gradient at {HvpChecked} ({HvpOracleInaccurate} skipped); {Failures.Count} failures";
    }

    [Fact]
    public void RandomProgramsWithArraysJumpsAndReturns()
    {
        var stats = RunExtended(LoopProgramOptions.All, firstSeed: 70_000, ExtendedProgramCount);
        AssertNotVacuous(stats);
    }

    /// <summary>
    /// Nests four loops deep, where random programs found the code of nested jumps and returns doubling per level (too large
    /// for the CLR to compile) and a return value active only at an exit losing its derivative; those cases have tests of their
    /// own in <see cref="LoopJumpGapTests"/> (these seeds pass on the code before the fixes too, only twice as slowly).
    /// </summary>
    [Fact]
    public void RandomProgramsFourLoopsDeep()
    {
        var stats = RunExtended(LoopProgramOptions.All with { MaxDepth = 4 }, firstSeed: 90_000, programs: 120);
        AssertNotVacuous(stats);
    }

    /// <summary>
    /// Arrays created at the start of loop bodies and read and written anywhere in them, with everything else on: the
    /// library creates them once before the outermost loop and clears them where the body created them
    /// (<c>LoopArrayHoisting</c>). Values are compared bit for bit with <c>f.Compile()</c>, but most of these programs
    /// would not notice a missing clear (their updates of a fresh array are often products, which stay zero):
    /// <see cref="ArraysCreatedInLoopsTests.EachIterationSeesAFreshZeroedArray"/> is the test of that.
    /// </summary>
    [Fact]
    public void RandomProgramsWithArraysCreatedInLoops()
    {
        var options = LoopProgramOptions.All with { ArraysInLoops = true };
        var seen = new HashSet<string>();
        for (var seed = 95_000; seed < 95_150; seed++)
        {
            var generator = new LoopProgramGenerator(seed, options);
            generator.Program();
            seen.UnionWith(generator.Features);
        }
        Assert.Empty(new[] { "array new double[n] in a loop", "array new double[k] in a loop", "array initializer in a loop" }.Except(seen));
        AssertNotVacuous(RunExtended(options, firstSeed: 95_000, programs: 150));
    }

    /// <summary>
    /// Arrays created in loops four deep, under breaks of enclosing loops and switches: the flags of the lowered jumps nest
    /// the blocks some thirty deep, and the hoisting pass read every block's statements again (the nesting depth per node),
    /// ran out of its budget and left the arrays in place, refused (seed 610331, 1 of 500 programs; 0 of 1,500 once the
    /// statements before a creation are read only in blocks that have one).
    /// </summary>
    [Fact]
    public void ArraysCreatedInLoopsUnderDeeplyNestedJumpFlagsAreHoisted()
    {
        var options = LoopProgramOptions.All with { MaxDepth = 4, OuterJumps = true, Switches = true, ArraysInLoops = true };
        var stats = RunExtended(options, firstSeed: 610_331, programs: 1);
        Assert.True(stats.GradientChecked > 0, stats.ToString());
    }

    /// <summary>
    /// Breaks and continues of an enclosing loop written inside an inner loop (<c>OuterJumpLowering</c>), three and four
    /// loops deep, with everything else on. Each program is checked bit for bit against <c>f.Compile()</c> and in every mode.
    /// </summary>
    [Theory]
    [InlineData(3, 96_000, 150)]
    [InlineData(4, 97_000, 80)]
    public void RandomProgramsWithJumpsToEnclosingLoops(int maxDepth, int firstSeed, int programs)
    {
        var options = LoopProgramOptions.All with { OuterJumps = true, MaxDepth = maxDepth };
        var withOuterJumps = 0;
        for (var seed = firstSeed; seed < firstSeed + programs; seed++)
        {
            var generator = new LoopProgramGenerator(seed, options);
            generator.Program();
            if (generator.Features.Contains("jump to an enclosing loop")) withOuterJumps++;
        }
        Assert.True(withOuterJumps >= programs / 8, $"only {withOuterJumps} of {programs} programs jump to an enclosing loop");
        AssertNotVacuous(RunExtended(options, firstSeed, programs));
    }

    /// <summary>Switch statements in place of half the if/else statements, jumps of every kind in their cases (<c>SwitchLowering</c>).</summary>
    [Fact]
    public void RandomProgramsWithSwitches()
    {
        var options = LoopProgramOptions.All with { OuterJumps = true, Switches = true };
        var withSwitches = 0;
        for (var seed = 98_000; seed < 98_150; seed++)
        {
            var generator = new LoopProgramGenerator(seed, options);
            generator.Program();
            if (generator.Features.Contains("switch")) withSwitches++;
        }
        Assert.True(withSwitches >= 30, $"only {withSwitches} of 150 programs have a switch");
        AssertNotVacuous(RunExtended(options, firstSeed: 98_000, programs: 150));
    }

    /// <summary>Nearly every point checked in every mode: a pass that skipped everything would fail here.</summary>
    private static void AssertNotVacuous(ExtendedStats stats)
    {
        Assert.True(stats.GradientChecked >= 0.7 * stats.AcceptedPoints, stats.ToString());
        Assert.True(stats.HvpChecked >= 0.6 * stats.AcceptedPoints, stats.ToString());
        Assert.Equal(stats.AcceptedPoints, stats.ForwardChecked);
    }

    /// <summary>Each new construct on its own, so that a failure points at it.</summary>
    [Theory]
    [InlineData(true, false, false, 80_000)]
    [InlineData(false, true, false, 81_000)]
    [InlineData(false, false, true, 82_000)]
    public void RandomProgramsWithOneNewConstruct(bool arrays, bool jumps, bool returns, int firstSeed)
    {
        var stats = RunExtended(new LoopProgramOptions(Arrays: arrays, Jumps: jumps, Returns: returns), firstSeed, programs: 80);
        Assert.True(stats.GradientChecked >= 0.7 * stats.AcceptedPoints, stats.ToString());
    }

    private ExtendedStats RunExtended(LoopProgramOptions options, int firstSeed, int programs)
    {
        var stats = new ExtendedStats();
        var clock = Stopwatch.StartNew();
        for (var seed = firstSeed; seed < firstSeed + programs; seed++) CheckExtendedProgram(seed, options, stats);
        output.WriteLine($"{stats} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var group in stats.Failures.GroupBy(f => f.Split('\n')[0][..Math.Min(200, f.Split('\n')[0].Length)]))
            output.WriteLine($"{group.Count()} failures: {group.Key}");
        foreach (var failure in stats.Failures.Take(5)) output.WriteLine(failure);
        Assert.True(stats.Failures.Count == 0,
            $"{stats.Failures.Count} of {stats.Programs} programs failed; the first:\n{string.Join("\n\n", stats.Failures.Take(3))}");
        Assert.Equal(programs, stats.Programs);
        return stats;
    }

    private static void CheckExtendedProgram(int seed, LoopProgramOptions options, ExtendedStats stats,
        Func<HessianVectorProductFunc, HessianVectorProductFunc>? mutateHvp = null)
    {
        var generator = new LoopProgramGenerator(seed, options);
        var f = generator.Program();
        stats.Programs++;
        string Where(double[]? x = null) => $"seed {seed} ({options})" + (x is null ? "" : $" at x = [{FiniteDifferences.Format(x)}]") + $":\n{AD.ToCSharp(f)}";

        var plain = f.Compile();
        Func<double[], double>? compiled = null;
        DirectionalDerivativeFunc? directional = null;
        GradientFunc? gradient = null;
        HessianVectorProductFunc? hvp = null;
        void Build(string mode, Action build)
        {
            try
            {
                build();
            }
            catch (NotSupportedException e)
            {
                var kind = generator.HasFreeArray ? " (a program with an array read and written anywhere)" : "";
                stats.Failures.Add($"{mode} refused{kind}: {e.Message}\n{Where()}");
            }
            catch (Exception e)
            {
                stats.Failures.Add($"{mode} threw {e.GetType().Name}: {e.Message}\n{Where()}");
            }
        }
        Build("AD.Compile", () => compiled = AD.Compile(f));
        Build("AD.Differentiate", () => gradient = AD.Differentiate(f));
        Build("AD.DirectionalDerivative", () => directional = AD.DirectionalDerivative(f));
        Build("AD.HessianVectorProduct", () => hvp = AD.HessianVectorProduct(f));
        if (hvp is not null && mutateHvp is not null) hvp = mutateHvp(hvp);
        if (compiled is null || directional is null || gradient is null) return;

        var rng = new Random(seed);
        for (var p = 0; p < PointsPerProgram; p++)
        {
            var x = FiniteDifferences.RandomPoint(rng, generator.N, -1.5, 1.5);
            var v = FiniteDifferences.RandomUnitDirection(rng, x.Length);
            stats.Points++;
            try
            {
                var reference = plain((double[])x.Clone());
                if (!double.IsFinite(reference) || Math.Abs(reference) > MaxValue)
                {
                    stats.TooLarge++;
                    continue;
                }
                Numeric.AssertSameBits(reference, compiled((double[])x.Clone()), "AD.Compile vs f.Compile()");
                var forward = directional((double[])x.Clone(), (double[])v.Clone());
                Assert.True(double.IsFinite(forward), $"forward mode gave {forward}");
                var (value, g) = Numeric.Evaluate(gradient, (double[])x.Clone());
                Numeric.AssertSameBits(reference, value, "gradient delegate's value vs f.Compile()");
                Assert.All(g, gi => Assert.True(double.IsFinite(gi) && gi != Numeric.Sentinel, $"gradient entry {Numeric.R(gi)}"));
                var (again, g2) = Numeric.Evaluate(gradient, (double[])x.Clone());
                Numeric.AssertSameBits(value, again, "second call's value");
                for (var i = 0; i < g.Length; i++) Numeric.AssertSameBits(g[i], g2[i], $"second call's gradient entry {i}");

                var reverse = FiniteDifferences.Dot(g, v);
                var norm = LoopCheck.Norm(g);
                Assert.True(Math.Abs(forward - reverse) <= ForwardTolerance * (1 + norm),
                    $"forward mode {Numeric.R(forward)} vs <g, v> {Numeric.R(reverse)}, |diff| {Math.Abs(forward - reverse):E3}; gradient [{FiniteDifferences.Format(g)}], v [{FiniteDifferences.Format(v)}]");
                stats.ForwardChecked++;

                var tolerance = LoopCheck.FdTolerance * (1 + norm);
                var (fd, error) = FiniteDifferences.DirectionalWithError(plain, x, v, FiniteDifferences.Step(x));
                if (error <= 0.1 * tolerance)
                {
                    Assert.True(Math.Abs(fd - reverse) <= tolerance,
                        $"directional derivative: AD {Numeric.R(reverse)}, finite differences {Numeric.R(fd)} (error estimate {error:E2}), " +
                        $"|diff| {Math.Abs(fd - reverse):E3} > {tolerance:E3}; gradient [{FiniteDifferences.Format(g)}], v [{FiniteDifferences.Format(v)}]");
                    stats.GradientChecked++;
                }
                else stats.GradientOracleInaccurate++;

                if (hvp is null) continue;
                if (CheckHvp(hvp, y => Numeric.Evaluate(gradient, y).Gradient, x, v, reference)) stats.HvpChecked++;
                else stats.HvpOracleInaccurate++;
            }
            catch (Exception e)
            {
                stats.Failures.Add($"{e.GetType().Name}: {e.Message}\n{Where(x)}");
                return;
            }
        }
    }

    private static double[] GradientDifference(Func<double[], double[]> gradient, double[] x, double[] v, double h)
    {
        var plus = gradient(FiniteDifferences.Offset(x, v, h));
        var minus = gradient(FiniteDifferences.Offset(x, v, -h));
        return plus.Zip(minus, (a, b) => (a - b) / (2 * h)).ToArray();
    }

    /// <summary>
    /// Checks H v against central differences of <paramref name="gradient"/> (steps h and 2h for the error estimate);
    /// false when that estimate is too large to check at this point. Also checks the returned value's bits.
    /// </summary>
    private static bool CheckHvp(HessianVectorProductFunc hvp, Func<double[], double[]> gradient, double[] x, double[] v, double reference)
    {
        var product = new double[x.Length];
        Array.Fill(product, Numeric.Sentinel);
        var hvpValue = hvp((double[])x.Clone(), (double[])v.Clone(), product);
        Numeric.AssertSameBits(reference, hvpValue, "Hessian-vector product's value vs f.Compile()");
        Assert.All(product, t => Assert.True(double.IsFinite(t) && t != Numeric.Sentinel, $"Hessian-vector product entry {Numeric.R(t)}"));
        var step = 1e-5 * Math.Max(1, x.Max(Math.Abs));
        var d1 = GradientDifference(gradient, x, v, step);
        var d2 = GradientDifference(gradient, x, v, 2 * step);
        var hvpTolerance = HvpTolerance * (1 + LoopCheck.Norm(product));
        var hvpError = d1.Zip(d2, (a, b) => Math.Abs(a - b) / 3).Max();
        if (!(hvpError <= 0.1 * hvpTolerance)) return false;
        for (var i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(d1[i] - product[i]) <= hvpTolerance,
                $"(Hv)[{i}] = {Numeric.R(product[i])}, differences of the gradient {Numeric.R(d1[i])} (error estimate {hvpError:E2}); " +
                $"Hv [{FiniteDifferences.Format(product)}], differences [{FiniteDifferences.Format(d1)}], v [{FiniteDifferences.Format(v)}]");
        return true;
    }

    [Fact]
    public void HarnessDetectsAHessianVectorProductOffBy1e3()
    {
        // The second-order check must be able to fail: 1e-3 added to one entry of Hv is caught on (nearly) every
        // program whose Hv was checked at both points unmutated (it is within the tolerance only where |Hv|_2 > 99).
        var (good, caught) = (0, 0);
        for (var seed = 70_000; seed < 70_000 + ExtendedProgramCount && good < 30; seed++)
        {
            var plain = new ExtendedStats();
            CheckExtendedProgram(seed, LoopProgramOptions.All, plain);
            if (plain.Failures.Count > 0 || plain.HvpChecked < PointsPerProgram) continue;
            good++;
            var mutated = new ExtendedStats();
            CheckExtendedProgram(seed, LoopProgramOptions.All, mutated, inner => (x, v, product) =>
            {
                var value = inner(x, v, product);
                product[0] += 1e-3;
                return value;
            });
            if (mutated.Failures.Any(f => f.Contains("(Hv)[0]", StringComparison.Ordinal))) caught++;
        }
        Assert.True(good >= 30, $"only {good} passing programs to mutate");
        Assert.True(caught >= 0.9 * good, $"only {caught} of {good} programs caught the mutated Hessian-vector product");
    }

    [Fact]
    public void GeneratorReachesEveryNewConstruct()
    {
        var seen = new HashSet<string>();
        for (var seed = 70_000; seed < 70_000 + ExtendedProgramCount; seed++)
        {
            var generator = new LoopProgramGenerator(seed, LoopProgramOptions.All);
            generator.Program();
            seen.UnionWith(generator.Features);
        }
        string[] expected =
        [
            "array new double[n]", "array new double[k]", "array initializer",
            .. Enum.GetNames<LoopProgramGenerator.ArrayRole>().Select(r => "array role " + r),
            "fill element by element", "fill loop", "accumulated array read in a later loop", "array +=",
            .. Enumerable.Range(0, 5).Select(k => $"free array update {k}"),
            "array read ArrayIndex", "array read ArrayAccess", "array index constant", "array index i", "array index i % length",
            "array index (3i + k) % length", "array index (i + j) % length", "array index length - 1 - i", "array index m % length",
            "advance first", "nested break", "nested continue", "nested continue after advancing", "jump two conditionals deep",
            "jump in if", "jump in then-branch", "jump in else-branch", "jumps in both branches",
            "return nested in a conditional", "return in loop", "return between loops",
        ];
        Assert.Empty(expected.Except(seen));
    }

    /// <summary>The new options are off by default: the existing properties keep their programs (no continue labels, returns or arrays).</summary>
    [Fact]
    public void DefaultOptionsGenerateNoNewConstructs()
    {
        for (var seed = 1_000; seed < 1_100; seed++)
        {
            var nodes = TreeNodes.In(new LoopProgramGenerator(seed, new LoopProgramOptions()).Program());
            Assert.DoesNotContain(nodes, n => n is LoopExpression { ContinueLabel: not null } or NewArrayExpression
                or GotoExpression { Kind: GotoExpressionKind.Return or GotoExpressionKind.Continue } or LabelExpression);
        }
    }
}
