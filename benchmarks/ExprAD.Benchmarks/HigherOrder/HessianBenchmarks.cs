using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.HigherOrder;

/// <summary>
/// Value, gradient and full Hessian of the 50-variable <see cref="CoupledRosenbrock"/> (tridiagonal Rosenbrock and
/// sine coupling plus a dense log-sum-exp): AD.Hessian against the hand-written Hessian. The baseline is the plain
/// compiled function AD.Compile(f), so Ratio reads "cost in function evaluations".
/// </summary>
[MemoryDiagnoser]
public class HessianBenchmarks
{
    private CoupledRosenbrock _function = new(2, 1);
    private double[] _point = [];
    private double[] _gradient = [];
    private double[,] _hessian = new double[0, 0];
    private Func<double[], double> _compiledFunction = _ => double.NaN;
    private HessianFunc _exprAdHessian = (_, _, _) => double.NaN;

    /// <summary>Builds the function, the point and the compiled delegates once, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _function = new CoupledRosenbrock(CoupledRosenbrock.BenchmarkDimension, seed: 1);
        _point = _function.CreatePoint(seed: 20);
        _gradient = new double[_point.Length];
        _hessian = new double[_point.Length, _point.Length];
        _compiledFunction = AD.Compile(_function.Definition);
        _exprAdHessian = AD.Hessian(_function.Definition);
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "f + gradient + Hessian: AD.Hessian")]
    public double ExprADHessian() => _exprAdHessian(_point, _gradient, _hessian);

    [Benchmark(Description = "f + gradient + Hessian: hand-written")]
    public double HandWrittenHessian() => _function.ValueGradientHessian(_point, _gradient, _hessian);
}
