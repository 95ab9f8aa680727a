using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.HigherOrder;

/// <summary>
/// Cost of a Hessian-vector product (AD.HessianVectorProduct, reverse over forward mode) against the cost of a
/// gradient (AD.Differentiate) of the same function, on the 50-variable <see cref="CoupledRosenbrock"/> and on
/// <see cref="ExtendedRosenbrock"/> at n = 1,000. The baseline is the plain compiled function AD.Compile(f); the
/// README table reports HVP / gradient from the two ExprAD rows.
/// </summary>
[MemoryDiagnoser]
public class HessianVectorProductBenchmarks
{
    private double[] _point = [];
    private double[] _direction = [];
    private double[] _output = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private GradientFunc _exprAdGradient = (_, _) => double.NaN;
    private HessianVectorProductFunc _exprAdProduct = (_, _, _) => double.NaN;

    /// <summary>The function: "Coupled50" (<see cref="CoupledRosenbrock"/>, n = 50) or "Rosenbrock1000".</summary>
    [Params("Coupled50", "Rosenbrock1000")]
    public string Function { get; set; } = "Coupled50";

    /// <summary>Builds the function, point, direction and compiled delegates once, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var definition = Function == "Coupled50"
            ? new CoupledRosenbrock(CoupledRosenbrock.BenchmarkDimension, seed: 1).Definition
            : ExtendedRosenbrock.Definition;
        int n = Function == "Coupled50" ? CoupledRosenbrock.BenchmarkDimension : 1_000;
        _point = ExtendedRosenbrock.CreatePoint(n, seed: 20);
        var random = new Random(21);
        _direction = Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        _output = new double[n];
        _compiledFunction = AD.Compile(definition);
        _exprAdGradient = AD.Differentiate(definition);
        _exprAdProduct = AD.HessianVectorProduct(definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double PlainFunction() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient: AD.Differentiate")]
    public double ExprADGradient() => _exprAdGradient(_point, _output);

    [Benchmark(Description = "f + H v: AD.HessianVectorProduct")]
    public double ExprADHessianVectorProduct() => _exprAdProduct(_point, _direction, _output);
}
