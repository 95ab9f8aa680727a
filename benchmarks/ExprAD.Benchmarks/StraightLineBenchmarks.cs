using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks;

/// <summary>
/// Run-time cost of one evaluation of the ~300-node <see cref="StraightLineFunction"/>. The baseline is the
/// plain compiled function, so the Ratio column reads "time / plain compiled function": for the gradient rows
/// it is the cost of a gradient in units of function evaluations (reverse-mode theory promises a small constant).
/// </summary>
[MemoryDiagnoser]
public class StraightLineBenchmarks
{
    private double[] _point = [];
    private double[] _gradient = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    /// <summary>Builds the input and the compiled function once per benchmark process, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _point = StraightLineFunction.CreatePoint(seed: 20);
        _gradient = new double[StraightLineFunction.Dimension];
        _compiledFunction = AD.Compile(StraightLineFunction.Definition);
    }

    /// <summary>
    /// Setup for <see cref="ExprADGradient"/> only, which BenchmarkDotNet runs instead of <see cref="Setup"/>:
    /// kept separate so that while AD.Differentiate cannot handle the function (or throws), only this
    /// benchmark fails and the others still report.
    /// </summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(StraightLineFunction.Definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => StraightLineFunction.ValueAndGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: central differences (2n+1 f calls)")]
    public double CentralDifferences() => Benchmarks.CentralDifferences.ValueAndGradient(_compiledFunction, _point, _gradient);

    [Benchmark(Description = "f: hand-written plain C#")]
    public double HandWrittenFunction() => StraightLineFunction.Value(_point);
}
