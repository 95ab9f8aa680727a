using System.Collections.Concurrent;
using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks;

/// <summary>
/// The ADBench GMM objective in its LINQ form (<see cref="Gmm.Objective"/>: one expression, each point's main
/// terms written twice, exp(q) per point) on every ADBench data file in data/adbench/gmm.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GmmBenchmarksBase.FiniteDifferencesOnlyForFewParameters))]
public class GmmBenchmarks : GmmBenchmarksBase
{
    protected override Expression<Func<double[], double>> Objective(GmmData data) => Gmm.Objective(data);
}

/// <summary>
/// The ADBench GMM objective built with Expression.Loop and scratch arrays (<see cref="GmmLoops.Objective"/>: the
/// hand-written gradient's algorithm), on every ADBench data file.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GmmBenchmarksBase.FiniteDifferencesOnlyForFewParameters))]
public class GmmLoopsBenchmarks : GmmBenchmarksBase
{
    protected override Expression<Func<double[], double>> Objective(GmmData data) => GmmLoops.Objective(data);
}

/// <summary>
/// One form of the GMM objective on every ADBench file. Ratio column: time / AD.Compile(objective), the plain
/// compiled function; the gradient target is 2.5. Central differences run only for files with at most
/// <see cref="CentralDifferences.MaxInputs"/> parameters (the larger ones would need thousands of evaluations,
/// seconds per gradient).
/// </summary>
public abstract class GmmBenchmarksBase
{
    /// <summary>The ADBench files, smallest first.</summary>
    public static IEnumerable<string> Files => GmmData.FileNames;

    /// <summary>The input file, in data/adbench/gmm.</summary>
    [ParamsSource(nameof(Files))]
    public string File { get; set; } = "gmm_test.txt";

    private GmmData _data = null!;
    private double[] _parameters = [];
    private double[] _gradient = [];
    private Func<double[], double> _function = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    /// <summary>The form of the objective this class measures.</summary>
    protected abstract Expression<Func<double[], double>> Objective(GmmData data);

    [GlobalSetup]
    public void Setup()
    {
        _data = GmmData.LoadFile(File);
        _parameters = _data.InitialParameters();
        _gradient = new double[_parameters.Length];
        _function = AD.Compile(Objective(_data));
    }

    /// <summary>Separate so that only this row fails while AD.Differentiate cannot handle the objective.</summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(Objective(_data));
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _function(_parameters);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_parameters, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => Gmm.ValueAndGradient(_data, _parameters, _gradient);

    [Benchmark(Description = "f + gradient: central differences (2n+1 f calls)")]
    public double CentralDifferences() => Benchmarks.CentralDifferences.ValueAndGradient(_function, _parameters, _gradient);

    [Benchmark(Description = "f: hand-written plain C#")]
    public double HandWrittenFunction() => Gmm.Value(_data, _parameters);

    internal sealed class FiniteDifferencesOnlyForFewParameters : ManualConfig
    {
        private static readonly ConcurrentDictionary<string, int> ParameterCounts = new();

        public FiniteDifferencesOnlyForFewParameters() =>
            AddFilter(new SimpleFilter(c => c.Descriptor.WorkloadMethod.Name != nameof(CentralDifferences)
                || ParameterCounts.GetOrAdd((string)c.Parameters["File"], f => GmmData.LoadFile(f).ParameterCount)
                    <= Benchmarks.CentralDifferences.MaxInputs));
    }
}

/// <summary>Cost of AD.Differentiate (lower, translate, reverse, emit, compile) on the GMM objective; baseline AD.Compile.</summary>
[MemoryDiagnoser]
public class GmmCompileBenchmarks
{
    private Expression<Func<double[], double>> _objective = null!;

    [GlobalSetup]
    public void Setup() => _objective = Gmm.Objective(GmmData.LoadFile("1k_gmm_d10_K25.txt"));

    [Benchmark(Baseline = true, Description = "AD.Compile: compile f (baseline)")]
    public Func<double[], double> Compile() => AD.Compile(_objective);

    [Benchmark(Description = "AD.Differentiate: transform + simplify + compile")]
    public GradientFunc Differentiate() => AD.Differentiate(_objective);

    [Benchmark(Description = "AD.GradientExpression: transform + simplify, no compile")]
    public Expression<GradientFunc> GradientExpression() => AD.GradientExpression(_objective);
}
