using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks;

/// <summary>
/// One-off cost of turning the ~300-node <see cref="StraightLineFunction"/> into a delegate. The baseline is
/// AD.Compile (essentially Expression.Compile), so the Ratio column says how many plain compilations one
/// AD.Differentiate costs; the GradientExpression row separates the tree work from the IL compilation.
/// </summary>
[MemoryDiagnoser]
public class DifferentiateBenchmarks
{
    private static readonly Expression<Func<double[], double>> Function = StraightLineFunction.Definition;

    [Benchmark(Baseline = true, Description = "AD.Compile: compile f (baseline, Ratio = time / this)")]
    public Func<double[], double> Compile() => AD.Compile(Function);

    [Benchmark(Description = "AD.Differentiate: transform + simplify + compile")]
    public GradientFunc Differentiate() => AD.Differentiate(Function);

    [Benchmark(Description = "AD.GradientExpression: transform + simplify, no compile")]
    public Expression<GradientFunc> GradientExpression() => AD.GradientExpression(Function);
}
