using BenchmarkDotNet.Attributes;
using ExprAD.Benchmarks.Shared;

namespace ExprAD.Benchmarks.HigherOrder;

/// <summary>
/// Values and Jacobian of a vector function: AD.Jacobian against a hand-written Jacobian. AD.Compile takes scalar
/// functions only, so the baseline is the AD-free plain C# evaluation of F into the caller's array (no allocation);
/// F.Compile() (Expression.Compile of the same tree ExprAD sees) is shown for scale. Ratio reads "cost in
/// evaluations of F".
/// </summary>
[MemoryDiagnoser]
public abstract class JacobianBenchmarks
{
    private double[] _point = [];
    private double[] _values = [];
    private double[,] _jacobian = new double[0, 0];
    private Func<double[], double[]> _compiledFunction = _ => [];
    private JacobianFunc _exprAdJacobian = (_, _, _) => { };

    /// <summary>The tree ExprAD differentiates.</summary>
    protected abstract System.Linq.Expressions.Expression<Func<double[], double[]>> Definition { get; }

    /// <summary>Number of outputs.</summary>
    protected abstract int Outputs { get; }

    /// <summary>Builds the function and its evaluation point.</summary>
    protected abstract double[] CreateFunction();

    /// <summary>Plain C# values.</summary>
    protected abstract void HandWrittenValues(double[] x, double[] values);

    /// <summary>Hand-written values and Jacobian.</summary>
    protected abstract void HandWrittenValuesAndJacobian(double[] x, double[] values, double[,] jacobian);

    /// <summary>Builds the function, the point and the compiled delegates once, outside the measurement.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _point = CreateFunction();
        _values = new double[Outputs];
        _jacobian = new double[Outputs, _point.Length];
        _compiledFunction = Definition.Compile();
        _exprAdJacobian = AD.Jacobian(Definition);
    }

    [Benchmark(Baseline = true, Description = "F: plain C# into the caller's array (baseline, Ratio = time / this)")]
    public double Function()
    {
        HandWrittenValues(_point, _values);
        return _values[0];
    }

    [Benchmark(Description = "F: Expression.Compile of the definition (allocates its result)")]
    public double CompiledFunction() => _compiledFunction(_point)[0];

    [Benchmark(Description = "F + Jacobian: AD.Jacobian")]
    public double ExprADJacobian()
    {
        _exprAdJacobian(_point, _values, _jacobian);
        return _jacobian[0, 0];
    }

    [Benchmark(Description = "F + Jacobian: hand-written")]
    public double HandWrittenJacobian()
    {
        HandWrittenValuesAndJacobian(_point, _values, _jacobian);
        return _jacobian[0, 0];
    }
}

/// <summary>The 100 x 100 <see cref="CoupledBroyden"/> system (reverse mode: m &lt;= n).</summary>
public class SquareJacobianBenchmarks : JacobianBenchmarks
{
    private CoupledBroyden _function = new(2, 1);

    protected override System.Linq.Expressions.Expression<Func<double[], double[]>> Definition => _function.Definition;

    protected override int Outputs => _function.Dimension;

    protected override double[] CreateFunction()
    {
        _function = new CoupledBroyden(CoupledBroyden.BenchmarkDimension, seed: 1);
        return _function.CreatePoint(seed: 20);
    }

    protected override void HandWrittenValues(double[] x, double[] values) => _function.Values(x, values);

    protected override void HandWrittenValuesAndJacobian(double[] x, double[] values, double[,] jacobian) =>
        _function.ValuesAndJacobian(x, values, jacobian);
}

/// <summary>The 1,000 x 10 <see cref="CurveFitResiduals"/> (forward mode: m &gt; n).</summary>
public class TallJacobianBenchmarks : JacobianBenchmarks
{
    private CurveFitResiduals _function = new(1, 1);

    protected override System.Linq.Expressions.Expression<Func<double[], double[]>> Definition => _function.Definition;

    protected override int Outputs => _function.Points;

    protected override double[] CreateFunction()
    {
        _function = new CurveFitResiduals(CurveFitResiduals.BenchmarkPoints, seed: 1);
        return CurveFitResiduals.CreatePoint(seed: 20);
    }

    protected override void HandWrittenValues(double[] x, double[] values) => _function.Values(x, values);

    protected override void HandWrittenValuesAndJacobian(double[] x, double[] values, double[,] jacobian) =>
        _function.ValuesAndJacobian(x, values, jacobian);
}
