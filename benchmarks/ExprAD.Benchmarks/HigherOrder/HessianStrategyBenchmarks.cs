using System.Linq.Expressions;
using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.HigherOrder;

/// <summary>
/// The two ways issue 4 allows to get a Hessian, measured on the 50-variable <see cref="CoupledRosenbrock"/>:
/// AD.Hessian (n Hessian-vector products, reverse over forward) against re-differentiating the gradient tree,
/// one reverse sweep of gradient entry i per row i (the tree of AD.GradientExpression invoked on a local array
/// and differentiated again). AD.Hessian uses the first; this benchmark is why.
/// </summary>
[MemoryDiagnoser]
public class HessianStrategyBenchmarks
{
    private double[] _point = [];
    private double[] _gradient = [];
    private double[] _row = [];
    private double[,] _hessian = new double[0, 0];
    private HessianFunc _hessianVectorProducts = (_, _, _) => double.NaN;
    private GradientFunc[] _gradientOfGradientEntry = [];
    private Func<double[], double> _compiledFunction = _ => double.NaN;

    /// <summary>Builds the function, the point and all compiled delegates once, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var function = new CoupledRosenbrock(CoupledRosenbrock.BenchmarkDimension, seed: 1);
        _point = function.CreatePoint(seed: 20);
        var n = _point.Length;
        _gradient = new double[n];
        _row = new double[n];
        _hessian = new double[n, n];
        _compiledFunction = AD.Compile(function.Definition);
        _hessianVectorProducts = AD.Hessian(function.Definition);
        var gradientTree = AD.GradientExpression(function.Definition);
        var x = Expression.Parameter(typeof(double[]), "x");
        var g = Expression.Variable(typeof(double[]), "g");
        _gradientOfGradientEntry = Enumerable.Range(0, n).Select(i => AD.Differentiate(Expression.Lambda<Func<double[], double>>(
            Expression.Block([g],
                Expression.Assign(g, Expression.NewArrayBounds(typeof(double), Expression.ArrayLength(x))),
                Expression.Invoke(gradientTree, x, g),
                Expression.ArrayIndex(g, Expression.Constant(i))), x))).ToArray();
    }

    [Benchmark(Baseline = true, Description = "f: AD.Compile (baseline, Ratio = time / this)")]
    public double Function() => _compiledFunction(_point);

    [Benchmark(Description = "Hessian: n Hessian-vector products (AD.Hessian)")]
    public double HessianVectorProducts() => _hessianVectorProducts(_point, _gradient, _hessian);

    [Benchmark(Description = "Hessian: gradient of each gradient entry (re-differentiated GradientExpression)")]
    public double GradientOfTheGradient()
    {
        var sum = 0.0;
        for (var i = 0; i < _gradientOfGradientEntry.Length; i++)
        {
            sum += _gradientOfGradientEntry[i](_point, _row);
            for (var j = 0; j < _row.Length; j++) _hessian[i, j] = _row[j];
        }
        return sum;
    }
}
