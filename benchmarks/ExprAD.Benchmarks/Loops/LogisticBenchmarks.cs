using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.Loops;

/// <summary>
/// Run-time cost of one evaluation of the <see cref="LogisticRegressionLoss"/> (nested LINQ sums over a
/// captured 10,000 x 20 matrix). The baseline is the plain compiled function, so the Ratio column reads
/// "time / AD.Compile(f)": for the gradient rows it is the cost of a gradient in units of function evaluations.
/// </summary>
[MemoryDiagnoser]
public class LogisticBenchmarks
{
    private LogisticRegressionLoss _loss = new(0, 1, 0);
    private double[] _point = [];
    private double[] _gradient = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    /// <summary>Builds the data, the input and the compiled function once per benchmark process, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _loss = new LogisticRegressionLoss(LogisticRegressionLoss.BenchmarkRows, LogisticRegressionLoss.BenchmarkFeatures, seed: 20);
        _point = _loss.CreatePoint(seed: 21);
        _gradient = new double[_point.Length];
        _compiledFunction = AD.Compile(_loss.Definition);
    }

    /// <summary>
    /// Setup for <see cref="ExprADGradient"/> only, which BenchmarkDotNet runs instead of <see cref="Setup"/>:
    /// kept separate so that while AD.Differentiate cannot handle the function, only this benchmark fails.
    /// </summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(_loss.Definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => _loss.ValueAndGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: central differences (2n+1 f calls)")]
    public double CentralDifferences() => Benchmarks.CentralDifferences.ValueAndGradient(_compiledFunction, _point, _gradient);

    [Benchmark(Description = "f: hand-written plain C#")]
    public double HandWrittenFunction() => _loss.Value(_point);
}
