using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks;

/// <summary>
/// The ADBench GMM objective (LINQ form, <see cref="Gmm.Objective"/>) on ADBench's data files. Ratio column:
/// time / AD.Compile(objective), the plain compiled function; the gradient target is 2.5.
/// </summary>
[MemoryDiagnoser]
public class GmmBenchmarks
{
    [Params("1k_gmm_d10_K25.txt")]
    public string File { get; set; } = "1k_gmm_d10_K25.txt";

    private GmmData _data = null!;
    private double[] _parameters = [];
    private double[] _gradient = [];
    private Func<double[], double> _function = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;

    [GlobalSetup]
    public void Setup()
    {
        _data = GmmData.LoadFile(File);
        _parameters = _data.InitialParameters();
        _gradient = new double[_parameters.Length];
        _function = AD.Compile(Gmm.Objective(_data));
    }

    /// <summary>Separate so that only this row fails while AD.Differentiate cannot handle the objective.</summary>
    [GlobalSetup(Target = nameof(ExprADGradient))]
    public void SetupExprAdGradient()
    {
        Setup();
        _exprAdGradient = AD.Differentiate(Gmm.Objective(_data));
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _function(_parameters);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_parameters, _gradient);

    [Benchmark(Description = "f + gradient: hand-written reverse mode")]
    public double HandWrittenGradient() => Gmm.ValueAndGradient(_data, _parameters, _gradient);
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

    [Benchmark(Description = "AD.Differentiate")]
    public GradientFunc Differentiate() => AD.Differentiate(_objective);
}
