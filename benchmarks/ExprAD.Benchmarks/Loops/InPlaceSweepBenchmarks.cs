using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.Loops;

/// <summary>
/// Run-time cost of <see cref="InPlaceSweeps"/>: 50 Gauss-Seidel sweeps over 1,000 points that update a local array in
/// place. The reverse sweep keeps a copy of the array per sweep (400 KB of tape) and tapes each point's reads while it
/// reverses a sweep; the hand-written gradient keeps the same copies. The baseline is the compiled function.
/// </summary>
[MemoryDiagnoser]
public class InPlaceSweepBenchmarks
{
    private InPlaceSweeps _sweeps = new(0);
    private double[] _point = [];
    private double[] _gradient = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    [GlobalSetup]
    public void Setup()
    {
        _sweeps = new InPlaceSweeps(InPlaceSweeps.BenchmarkSteps);
        _point = InPlaceSweeps.CreatePoint(InPlaceSweeps.BenchmarkPoints, seed: 30);
        _gradient = new double[_point.Length];
        _compiledFunction = AD.Compile(_sweeps.Definition);
    }

    /// <summary>Setup for <see cref="ExprADGradient"/> only (see <see cref="MlpBenchmarks.SetupExprAdGradient"/>).</summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(_sweeps.Definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => _sweeps.ValueAndGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: central differences (2n+1 f calls)")]
    public double CentralDifferences() => Benchmarks.CentralDifferences.ValueAndGradient(_compiledFunction, _point, _gradient);

    [Benchmark(Description = "f: hand-written plain C#")]
    public double HandWrittenFunction() => _sweeps.Value(_point);
}
