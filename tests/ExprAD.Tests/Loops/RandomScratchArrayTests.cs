using System.Diagnostics;
using System.Linq.Expressions;
using ExprAD.Tests.TestSupport;
using Xunit.Abstractions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Property test over random programs built around scratch arrays (<see cref="ScratchProgramGenerator"/>), a share of
/// them with deliberate defects that make an array not scratch (refused until the reverse sweep kept what overwritten
/// arrays held, <c>ReverseSweep.OverwrittenArrays</c>): none may be refused by <see cref="AD.Differentiate"/>, and each gradient
/// agrees with central differences in a random direction at two points (<see cref="LoopCheck"/>'s tolerance), the
/// gradient delegate's value is the bits of <c>f.Compile()</c> (and of <see cref="AD.Compile"/>), and forward mode
/// agrees with g.v. Refused programs are still checked in forward mode against central differences.
/// </summary>
/// <remarks>
/// Tolerances as in <see cref="LoopCheck"/>: |fd - &lt;g, v&gt;| &lt;= 1e-6 (1 + |g|_2); forward vs reverse mode within
/// 1e-9 (1 + |g|_2). Points where finite differences cannot be trusted at that level are skipped, not checked loosely
/// (the values and forward mode are still checked there): |f| &gt; 1e4, or the difference's own error estimate (from
/// steps h and 2h) above a tenth of the tolerance. Set SCRATCH_FUZZ_SEED and SCRATCH_FUZZ_PROGRAMS to run other
/// programs than the default ones; a failure prints the seed, the point and the program as C#.
/// </remarks>
public class RandomScratchArrayTests(ITestOutputHelper output)
{
    private const int DefaultFirstSeed = 1;
    private const int DefaultPrograms = 800;
    private const double MaxValue = 1e4;
    private const double ForwardTolerance = 1e-9;

    private sealed class Stats
    {
        public int Programs;
        public int Refused;
        public int RefusedWithDefect;
        public int Differentiated;
        public int DifferentiatedWithDefect;
        public int GradientPoints;
        public int OracleInaccurate;
        public int ForwardPoints;
        public int ForwardOnlyPoints;
        public int ForwardOnlySkipped;
        public int TooLarge;
        public readonly Dictionary<string, int> RefusalReasons = [];
        public readonly Dictionary<string, int> FeaturesDifferentiated = [];
        public readonly List<(int Seed, string Message)> Failures = [];

        public override string ToString()
            => $"{Programs} programs: {Differentiated} differentiated ({DifferentiatedWithDefect} of them with a deliberate defect), " +
               $"{Refused} refused ({RefusedWithDefect} with a deliberate defect); gradient checked against finite differences at {GradientPoints} points " +
               $"({OracleInaccurate} skipped, finite differences not accurate enough), against forward mode at {ForwardPoints}; " +
               $"forward mode of refused programs at {ForwardOnlyPoints} ({ForwardOnlySkipped} skipped, finite differences not accurate enough); " +
               $"{TooLarge} points too large; {Failures.Count} failures";
    }

    [Fact]
    public void RandomScratchArrayProgramsAreExact()
    {
        var first = int.TryParse(Environment.GetEnvironmentVariable("SCRATCH_FUZZ_SEED"), out var s) ? s : DefaultFirstSeed;
        var programs = int.TryParse(Environment.GetEnvironmentVariable("SCRATCH_FUZZ_PROGRAMS"), out var p) ? p : DefaultPrograms;
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        for (var seed = first; seed < first + programs; seed++) CheckProgram(seed, stats);
        output.WriteLine($"seeds {first}..{first + programs - 1}: {stats} in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (reason, count) in stats.RefusalReasons.OrderByDescending(r => r.Value)) output.WriteLine($"refused {count}x: {reason}");
        foreach (var (feature, count) in stats.FeaturesDifferentiated.OrderBy(f => f.Key, StringComparer.Ordinal))
            output.WriteLine($"  differentiated with '{feature}': {count}");
        foreach (var (seed, message) in stats.Failures.Take(5)) output.WriteLine($"FAILED seed {seed}: {message}\n");

        Assert.True(stats.Failures.Count == 0,
            $"{stats.Failures.Count} of {stats.Programs} programs failed (seeds {string.Join(", ", stats.Failures.Select(f => f.Seed).Take(20))}); the first:\n" +
            string.Join("\n\n", stats.Failures.Take(3).Select(f => $"seed {f.Seed}: {f.Message}")));
        Assert.Equal(programs, stats.Programs);
        // Nothing refused, defects included; not vacuous: nearly every point checked.
        Assert.True(stats.Refused == 0, $"refused programs: {stats}; {string.Join("; ", stats.RefusalReasons.Select(r => $"{r.Value}x {r.Key}"))}");
        Assert.True(stats.GradientPoints >= 0.85 * (stats.GradientPoints + stats.OracleInaccurate + stats.TooLarge), $"too few points checked: {stats}");
    }

    /// <summary>
    /// For exploring: SCRATCH_FUZZ_DEFECTS = "share,rate" overrides the share of programs with deliberate defects and
    /// their rate, SCRATCH_FUZZ_BREAKS = "early,late" the probabilities of a data-dependent break in a loop body at its start
    /// or after its fills, and anywhere later (after nested loops, say: this finds the bug of the reproducers below).
    /// </summary>
    private static ScratchProgramGenerator Generator(int seed)
    {
        static double Parse(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var defects = Environment.GetEnvironmentVariable("SCRATCH_FUZZ_DEFECTS")?.Split(',') is [var share, var rate] ? (Parse(share), Parse(rate)) : (0.35, 0.1);
        var breaks = Environment.GetEnvironmentVariable("SCRATCH_FUZZ_BREAKS")?.Split(',') is [var early, var late] ? (Parse(early), Parse(late)) : (0.08, 0);
        return new ScratchProgramGenerator(seed, defects.Item1, defects.Item2, breaks.Item1, breaks.Item2);
    }

    private static void CheckProgram(int seed, Stats stats, Func<GradientFunc, GradientFunc>? mutate = null)
    {
        var generator = Generator(seed);
        var f = generator.Program();
        stats.Programs++;
        var defects = generator.Defects.Count > 0 ? $" (defects: {string.Join(", ", generator.Defects)})" : "";
        string Where(double[]? x = null) => $"seed {seed}{defects}" + (x is null ? "" : $" at x = [{FiniteDifferences.Format(x)}]") + $":\n{AD.ToCSharp(f)}";

        Func<double[], double> plain;
        GradientFunc? gradient = null;
        DirectionalDerivativeFunc directional;
        try
        {
            plain = f.Compile();
            directional = AD.DirectionalDerivative(f);
            try
            {
                gradient = AD.Differentiate(f);
            }
            catch (NotSupportedException e)
            {
                stats.Refused++;
                if (generator.Defects.Count > 0) stats.RefusedWithDefect++;
                var reason = e.Message.Contains("written again", StringComparison.Ordinal) ? "an array element written again" : e.Message[..Math.Min(160, e.Message.Length)];
                stats.RefusalReasons[reason] = stats.RefusalReasons.GetValueOrDefault(reason) + 1;
            }
        }
        catch (Exception e)
        {
            stats.Failures.Add((seed, $"{e.GetType().Name}: {e.Message}\n{Where()}"));
            return;
        }
        if (gradient is not null)
        {
            stats.Differentiated++;
            if (generator.Defects.Count > 0) stats.DifferentiatedWithDefect++;
            foreach (var feature in generator.Features) stats.FeaturesDifferentiated[feature] = stats.FeaturesDifferentiated.GetValueOrDefault(feature) + 1;
            if (mutate is not null) gradient = mutate(gradient);
        }

        var rng = new Random(seed);
        for (var point = 0; point < 2; point++)
        {
            var x = FiniteDifferences.RandomPoint(rng, generator.N, -1, 1);
            try
            {
                var reference = plain((double[])x.Clone());
                if (!double.IsFinite(reference) || Math.Abs(reference) > MaxValue)
                {
                    stats.TooLarge++;
                    continue;
                }
                var v = FiniteDifferences.RandomUnitDirection(rng, x.Length);
                var forward = directional((double[])x.Clone(), (double[])v.Clone());
                Assert.True(double.IsFinite(forward), $"forward mode gave {forward}");
                if (gradient is null)
                {
                    var (fd0, error0) = FiniteDifferences.DirectionalWithError(plain, x, v, FiniteDifferences.Step(x));
                    var tolerance0 = LoopCheck.FdTolerance * (1 + Math.Abs(forward));
                    if (!(error0 <= 0.1 * tolerance0))
                    {
                        stats.ForwardOnlySkipped++;
                        continue;
                    }
                    Assert.True(Math.Abs(fd0 - forward) <= tolerance0,
                        $"forward mode (of a refused program) {Numeric.R(forward)} vs finite differences {Numeric.R(fd0)}, |diff| {Math.Abs(fd0 - forward):E3} > {tolerance0:E3}; v [{FiniteDifferences.Format(v)}]");
                    stats.ForwardOnlyPoints++;
                    continue;
                }

                // Values (gradient delegate, AD.Compile vs f.Compile), a repeated call, and central differences in a
                // random direction (LoopCheck.Run draws it from its seed), unless the difference's own error estimate
                // (steps h and 2h) is above a tenth of the tolerance: then only the values and forward mode are checked.
                var runSeed = seed + 7919 * point;
                var (value, g) = Numeric.Evaluate(gradient, (double[])x.Clone());
                var direction = FiniteDifferences.RandomUnitDirection(new Random(runSeed), x.Length);
                var (_, error) = FiniteDifferences.DirectionalWithError(plain, x, direction, FiniteDifferences.Step(x));
                if (error <= 0.1 * LoopCheck.FdTolerance * (1 + LoopCheck.Norm(g)))
                {
                    // All of LoopCheck's checks at the first point; at the second (to save compiling f and AD.Compile
                    // again) the value's bits and the central difference.
                    if (point == 0) g = LoopCheck.Run(f, gradient, x, runSeed, context: "not refused, so it must be exact");
                    else
                    {
                        Numeric.AssertSameBits(reference, value, "gradient delegate's value vs f.Compile()");
                        LoopCheck.AssertDirectional(plain, x, g, new Random(runSeed), $"not refused, so it must be exact (n = {x.Length}, seed {runSeed})");
                    }
                    stats.GradientPoints++;
                }
                else
                {
                    Numeric.AssertSameBits(reference, value, "gradient delegate's value vs f.Compile()");
                    stats.OracleInaccurate++;
                }
                var reverse = FiniteDifferences.Dot(g, v);
                Assert.True(Math.Abs(forward - reverse) <= ForwardTolerance * (1 + LoopCheck.Norm(g)),
                    $"forward mode {Numeric.R(forward)} vs <g, v> {Numeric.R(reverse)}, |diff| {Math.Abs(forward - reverse):E3}; " +
                    $"gradient [{FiniteDifferences.Format(g)}], v [{FiniteDifferences.Format(v)}]");
                stats.ForwardPoints++;
            }
            catch (Exception e)
            {
                stats.Failures.Add((seed, $"{e.GetType().Name}: {e.Message}\n{Where(x)}"));
                return;
            }
        }
    }

    [Fact]
    public void GeneratorReachesEveryConstruct()
    {
        var seen = new HashSet<string>();
        for (var seed = DefaultFirstSeed; seed < DefaultFirstSeed + DefaultPrograms; seed++)
        {
            var generator = new ScratchProgramGenerator(seed);
            generator.Program();
            seen.UnionWith(generator.Features);
        }
        string[] expected =
        [
            "1 arrays", "2 arrays", "3 arrays", "array new double[x.Length]", "array length 1", "array length 4",
            "recurrence accumulator", "fill before the loops", "two top-level loops", "store between the top-level loops", "store after the loops",
            "loss used nonlinearly", "loop counting down", "conditional refill", "second fill in the same iteration", "depth 1", "depth 2", "depth 3",
            "trips 0", "trips 1", "trips 4", "trips x.Length",
            "refill of an array an outer loop filled", "fill at depth 1", "fill at depth 2", "fill at depth 3",
            "iteration accumulator", "read after an inner loop", "read after an inner refill", "body without fills",
            "sibling loops refilling the same array", "same read node before and after an inner loop", "loop in a branch",
            "store into an array an enclosing iteration filled", "array update right after its fill", "array update after reads",
            .. Enum.GetNames<LoopShape>().SelectMany(s => new[] { $"break before the fills ({s})", $"break after the fills ({s})" }),
            "fill Array.Clear", "fill to x.Length", "fill to a.Length", "fill reads back 0", "fill reads back 1", "fill reads back 2",
            "fill reads back into another array's element", "fill value by a nested reduction", "fill value reduces another filled array",
            .. Enum.GetNames<StepStyle>().Select(s => "fill style " + s), .. Enum.GetNames<LoopShape>().Select(s => "fill shape " + s),
            "array element +=", "array element overwritten", "array element += in a branch", "array += over the whole range", "array += over a range",
            .. Enumerable.Range(0, 5).Select(k => $"array update {k}"),
            "scan product", .. Enumerable.Range(0, 5).Select(k => $"scan {k}"),
            "branch on a counter", "branch on an array element", "branch on x", "if", "if/else",
            "update +=", .. Enumerable.Range(0, 3).Select(k => $"update recurrence {k}"),
            "accumulator read", "counter as a value", "array index counter", "array index (i + c) % length", "array index constant",
            "defect read after the loops", "defect read before the fill", "defect read of an array not filled in this iteration",
            "defect fill one short", "defect fill from 1", "defect fill counting down", "defect conditional store",
            "defect fill reads the old element", "defect fill stores twice", "defect fill reads the previous element",
            "defect accumulation into an array this iteration did not fill", "defect array update reading the array",
        ];
        Assert.Empty(expected.Except(seen));
    }

    [Fact]
    public void HarnessDetectsAScaledGradient()
    {
        // The property must be able to fail: a gradient off by 0.1% is caught by the finite differences on nearly
        // every differentiated program whose gradient is not tiny.
        var (good, caught) = (0, 0);
        for (var seed = DefaultFirstSeed; seed < DefaultFirstSeed + DefaultPrograms && good < 30; seed++)
        {
            var plain = new Stats();
            CheckProgram(seed, plain);
            if (plain.Failures.Count > 0 || plain.GradientPoints < 2) continue;
            var generator = Generator(seed);
            var f = generator.Program();
            var rng = new Random(seed);
            var x = FiniteDifferences.RandomPoint(rng, generator.N, -1, 1);
            if (LoopCheck.Norm(Numeric.Evaluate(AD.Differentiate(f), x).Gradient) < 1) continue;
            good++;
            var mutated = new Stats();
            CheckProgram(seed, mutated, inner => (y, g) =>
            {
                var value = inner(y, g);
                for (var i = 0; i < g.Length; i++) g[i] *= 1.001;
                return value;
            });
            // Caught by the finite differences (checked before forward mode, which would catch it too).
            if (mutated.Failures.Any(f => f.Message.Contains("directional derivative", StringComparison.Ordinal))) caught++;
        }
        Assert.True(good >= 30, $"only {good} passing programs to mutate");
        Assert.True(caught >= 0.8 * good, $"only {caught} of {good} programs caught the scaled gradient");
    }

    /// <summary>For reproducing a failure: the program of one seed as C#.</summary>
    internal static string Show(int seed) => AD.ToCSharp(Generator(seed).Program());

    // ---------------------------------------------------------------- reproducers of failures this property found (fixed)

    // Both reproducers below failed before a reduction with an exit after a nested loop stopped being fused: the
    // pushes of a recorded nested loop stayed on the tape (later pops misaligned), and a nested fused reduction had
    // already added its gradient terms for a use the break skipped.

    /// <summary>
    /// Minimised from seed 1005288 (SCRATCH_FUZZ_SEED=1000000, SCRATCH_FUZZ_PROGRAMS=6000); seeds 1500668 and 3000529
    /// with SCRATCH_FUZZ_BREAKS=0.08,0.3 fail the same way (each passes when its break after a refill is disabled):
    /// <code>
    /// double[] h = new double[1];
    /// double s = x[0];
    /// for (int i = 0; i &lt; 2; i++) s = Math.Sin(s);
    /// for (int k = 0; k &lt; 1; k++)         // loop { if (!(k &lt; 1)) break; ... }
    /// {
    ///     for (int j = 0; j &lt; 1; j++) h[j] = Math.Tanh(x[j + 1]);   // fill of the scratch array h: k is fused
    ///     if (x[1] &gt; 0) break;
    ///     s += h[0];
    /// }
    /// return s;
    /// </code>
    /// At x = (0.3, 0.5) the break is taken in the first iteration, so f = sin(sin(x0)) and the gradient is
    /// (cos(sin(x0)) cos(x0), 0) = (0.9139233860764..., 0). The fill loop is recorded and pushes tanh(x[1]) on the
    /// tape; the reverse that pops it sits after the break, so the value stays on the tape and the reverse of the
    /// first loop pops it as one of its heads: AD gives 0.91636549906... for the first entry.
    /// </summary>
    [Fact]
    public void AFusedScratchLoopThatBreaksAfterItsFillLeavesTheFillsPushesOnTheTape()
    {
        var h = Expression.Variable(typeof(double[]), "h");
        var s = Double("s");
        var f = Lambda(Expression.Block([h, s],
            Expression.Assign(h, Expression.NewArrayBounds(typeof(double), I(1))),
            Expression.Assign(s, Xi(0)),
            For("i", I(0), I(2), i => Expression.Assign(s, Sin(s))),
            For("k", I(0), I(1), (k, end) => Statements(
                For("j", I(0), I(1), j => Expression.Assign(Expression.ArrayAccess(h, j), Tanh(Xi(Add(j, I(1)))))),
                BreakIf(Expression.GreaterThan(Xi(1), C(0.0)), end),
                Expression.AddAssign(s, Expression.ArrayAccess(h, I(0)))), shape: LoopShape.BreakFirst),
            s));
        var x = new[] { 0.3, 0.5 };
        LoopCheck.Run(f, x, seed: 1005288, handGradient: [Math.Cos(Math.Sin(x[0])) * Math.Cos(x[0]), 0], perCoordinate: true);
    }

    /// <summary>
    /// The same bug without arrays (the random programs above break on x, not on an accumulator, so the loop stays a
    /// fused reduction):
    /// <code>
    /// double s = 0;
    /// for (int k = 0; k &lt; 1; k++)         // loop { if (!(k &lt; 1)) break; ... }
    /// {
    ///     double t = 0;
    ///     for (int j = 0; j &lt; 1; j++) t += x[0];
    ///     if (x[0] &gt; 0) break;
    ///     s += t;
    /// }
    /// return s;
    /// </code>
    /// At x = (1) the break is taken, f = 0 near x and the gradient is 0; the j loop's fused reverse
    /// (<c>gradient[0] += 1</c>) runs inside its forward loop, before the break: AD gives 1. With the loop in the
    /// guarded shape (<c>if (k &lt; 1) { ... } else break;</c>) the gradient is right.
    /// </summary>
    [Fact]
    public void AFusedLoopThatBreaksAfterANestedReductionKeepsTheNestedGradientTerms()
    {
        var s = Double("s");
        var t = Double("t");
        var f = Lambda(Expression.Block([s],
            Expression.Assign(s, C(0)),
            For("k", I(0), I(1), (k, end) => Expression.Block([t],
                Expression.Assign(t, C(0)),
                For("j", I(0), I(1), j => Expression.AddAssign(t, Xi(0))),
                BreakIf(Expression.GreaterThan(Xi(0), C(0.0)), end),
                Expression.AddAssign(s, t)), shape: LoopShape.BreakFirst),
            s));
        LoopCheck.Run(f, [1.0], seed: 1, handGradient: [0.0], perCoordinate: true);
    }
}
