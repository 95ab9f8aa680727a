using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using ExprAD.Benchmarks.Shared;
using Perfolizer.Horology;

namespace ExprAD.Benchmarks.Loops;

/// <summary>
/// One-off cost of turning each LINQ loss function into a delegate, in milliseconds. Each scenario is its
/// own group with AD.Compile(f) (LINQ lowering + Expression.Compile) as baseline, so the Ratio column says how
/// many plain compilations one AD.Differentiate costs. The size of the data does not enter: the trees are
/// the same for any number of rows.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MillisecondsConfig))]
public class LoopCompileBenchmarks
{
    /// <summary>The loss functions of the loop benchmarks.</summary>
    public enum Scenario
    {
        /// <summary><see cref="ExtendedRosenbrock"/>: one LINQ sum.</summary>
        Rosenbrock,

        /// <summary><see cref="LogisticRegressionLoss"/>: two nested LINQ sums over captured data.</summary>
        Logistic,

        /// <summary><see cref="MlpRegressionLoss"/>: three nested LINQ sums over captured data.</summary>
        Mlp,
    }

    private Expression<Func<double[], double>> _function = ExtendedRosenbrock.Definition;

    /// <summary>Which loss function is compiled.</summary>
    [ParamsAllValues]
    public Scenario Loss { get; set; }

    /// <summary>Builds the (small) data sets behind the definitions once, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _function = Loss switch
        {
            Scenario.Rosenbrock => ExtendedRosenbrock.Definition,
            Scenario.Logistic => new LogisticRegressionLoss(rows: 10, LogisticRegressionLoss.BenchmarkFeatures, seed: 20).Definition,
            Scenario.Mlp => new MlpRegressionLoss(
                rows: 10, MlpRegressionLoss.BenchmarkInputs, MlpRegressionLoss.BenchmarkHidden, seed: 20).Definition,
            _ => throw new InvalidOperationException($"Unknown scenario {Loss}."),
        };
    }

    [Benchmark(Baseline = true, Description = "AD.Compile: compile f (baseline, Ratio = time / this)")]
    public Func<double[], double> Compile() => AD.Compile(_function);

    [Benchmark(Description = "AD.Differentiate: transform + simplify + compile")]
    public GradientFunc Differentiate() => AD.Differentiate(_function);

    /// <summary>Reports every time in milliseconds, so the scenarios read side by side.</summary>
    private sealed class MillisecondsConfig : ManualConfig
    {
        public MillisecondsConfig()
        {
            SummaryStyle = SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond);
        }
    }
}
