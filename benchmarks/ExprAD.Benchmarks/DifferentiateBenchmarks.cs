using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using ExprAD.Benchmarks.Shared;
using Perfolizer.Horology;

namespace ExprAD.Benchmarks;

/// <summary>
/// One-off cost of turning a straight-line function of 100, 1,000 and 10,000 expression nodes
/// (<see cref="SyntheticFunction"/>) into a delegate, in milliseconds. The baseline is AD.Compile (essentially
/// Expression.Compile), so the Ratio column says how many plain compilations one AD.Differentiate costs; the
/// GradientExpression row separates the tree work (lower, translate, reverse, simplify, emit) from the IL
/// compilation. Target: Differentiate &lt;= 10 ms at 1,000 nodes.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MillisecondsConfig))]
public class DifferentiateBenchmarks
{
    private Expression<Func<double[], double>> _function = null!;

    /// <summary>Approximate number of nodes of the function's body (at least this many, less than one term more).</summary>
    [Params(100, 1_000, 10_000)]
    public int Nodes { get; set; } = 100;

    [GlobalSetup]
    public void Setup() => _function = SyntheticFunction.Create(Nodes);

    [Benchmark(Baseline = true, Description = "AD.Compile: compile f (baseline, Ratio = time / this)")]
    public Func<double[], double> Compile() => AD.Compile(_function);

    [Benchmark(Description = "AD.Differentiate: transform + simplify + compile")]
    public GradientFunc Differentiate() => AD.Differentiate(_function);

    [Benchmark(Description = "AD.GradientExpression: transform + simplify, no compile")]
    public Expression<GradientFunc> GradientExpression() => AD.GradientExpression(_function);

    private sealed class MillisecondsConfig : ManualConfig
    {
        public MillisecondsConfig() => SummaryStyle = SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond);
    }
}
