using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.Loops;

/// <summary>
/// Run-time cost of one evaluation of the <see cref="ExtendedRosenbrock"/> LINQ sum at n = 10, 1,000 and
/// 100,000. The baseline is the plain compiled function, so the Ratio column reads "time / AD.Compile(f)": for
/// the gradient rows it is the cost of a gradient in units of function evaluations. Central differences run
/// for n &lt;= <see cref="CentralDifferences.MaxInputs"/> only (at n = 100,000 one gradient is 200,000
/// evaluations of f, minutes).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FiniteDifferencesOnlyForSmallN))]
public class RosenbrockBenchmarks
{
    private double[] _point = [];
    private double[] _gradient = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    /// <summary>Number of inputs.</summary>
    [Params(10, 1_000, 100_000)]
    public int N { get; set; } = 10;

    /// <summary>Builds the input and the compiled function once per benchmark process, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _point = ExtendedRosenbrock.CreatePoint(N, seed: 20);
        _gradient = new double[_point.Length];
        _compiledFunction = AD.Compile(ExtendedRosenbrock.Definition);
    }

    /// <summary>
    /// Setup for <see cref="ExprADGradient"/> only, which BenchmarkDotNet runs instead of <see cref="Setup"/>:
    /// kept separate so that while AD.Differentiate cannot handle the function, only this benchmark fails.
    /// </summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(ExtendedRosenbrock.Definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => ExtendedRosenbrock.ValueAndGradient(_point, _gradient);

    [Benchmark(Description = "f + gradient: central differences (2n+1 f calls)")]
    public double CentralDifferences() => Benchmarks.CentralDifferences.ValueAndGradient(_compiledFunction, _point, _gradient);

    [Benchmark(Description = "f: hand-written plain C#")]
    public double HandWrittenFunction() => ExtendedRosenbrock.Value(_point);

    private sealed class FiniteDifferencesOnlyForSmallN : ManualConfig
    {
        public FiniteDifferencesOnlyForSmallN() =>
            AddFilter(new SimpleFilter(c => c.Descriptor.WorkloadMethod.Name != nameof(CentralDifferences)
                || (int)c.Parameters["N"] <= Benchmarks.CentralDifferences.MaxInputs));
    }
}
