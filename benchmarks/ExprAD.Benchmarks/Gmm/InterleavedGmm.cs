using System.Diagnostics;
using System.Runtime.CompilerServices;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks;

/// <summary>
/// GMM in loop form timed in one process, f, ExprAD's gradient and the hand-written gradient in turn, round after round,
/// keeping each one's fastest round: `dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --interleaved [files]`.
/// </summary>
/// <remarks>
/// Not a replacement for the BenchmarkDotNet classes but a check on them: this machine runs whole processes (and stretches
/// of one) at one of two speeds about 1.7x apart, and BenchmarkDotNet times each case in processes of its own, so the two
/// rows of one of its ratios can come from different speeds. Timing the three in turn and taking minimums compares them at
/// the same (the fast) speed. The README quotes these numbers next to the table.
/// </remarks>
public static class InterleavedGmm
{
    public const string Flag = "--interleaved";

    private const int Rounds = 30;

    private const int WarmupRounds = 5;

    public static void Run(IReadOnlyList<string> files)
    {
        foreach (var file in files.Count > 0 ? files : ["1k_gmm_d10_K25.txt"])
        {
            var data = GmmData.LoadFile(file);
            var objective = GmmLoops.Objective(data);
            var function = AD.Compile(objective);
            var gradient = AD.Differentiate(objective);
            var x = data.InitialParameters();
            var (ours, theirs) = (new double[x.Length], new double[x.Length]);
            var once = Stopwatch.StartNew();
            gradient(x, ours);
            var repeats = (int)Math.Clamp(20e-3 / Math.Max(1e-9, once.Elapsed.TotalSeconds), 1, 1_000_000); // about 20 ms a round
            var (f, grad, hand) = (double.MaxValue, double.MaxValue, double.MaxValue);
            for (var round = -WarmupRounds; round < Rounds; round++)
            {
                // Warm-up rounds let the hand-written gradient (tiered, unlike the compiled trees) reach its optimized code.
                var (ft, gt, ht) = (TimeFunction(function, x, repeats), TimeGradient(gradient, x, ours, repeats), TimeHandWritten(data, x, theirs, repeats));
                if (round < 0) continue;
                (f, grad, hand) = (Math.Min(f, ft), Math.Min(grad, gt), Math.Min(hand, ht));
            }
            Console.WriteLine($"{file} (loop form, fastest of {Rounds} rounds): f {f:F1} µs, ExprAD gradient {grad:F1} µs, " +
                $"hand-written gradient {hand:F1} µs; grad/f {grad / f:F2}, ExprAD/hand {grad / hand:F2}");
        }
    }

    // Each timing loop is optimized from its first call (not run as tier-0 code, whose overhead shows on the smallest file).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TimeFunction(Func<double[], double> function, double[] x, int repeats)
    {
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++) function(x);
        return clock.Elapsed.TotalMilliseconds * 1e3 / repeats;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TimeGradient(GradientFunc gradient, double[] x, double[] g, int repeats)
    {
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++) gradient(x, g);
        return clock.Elapsed.TotalMilliseconds * 1e3 / repeats;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TimeHandWritten(GmmData data, double[] x, double[] g, int repeats)
    {
        var clock = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++) Gmm.ValueAndGradient(data, x, g);
        return clock.Elapsed.TotalMilliseconds * 1e3 / repeats;
    }
}
