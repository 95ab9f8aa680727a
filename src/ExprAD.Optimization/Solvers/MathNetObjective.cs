using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// Adapts <see cref="ScalarObjective"/> to MathNet's evaluation object. Value and gradient are computed together on
/// first access (AD yields both from one call); the Hessian only when asked for.
/// </summary>
internal sealed class MathNetObjective(ScalarObjective objective, IterationTracker tracker) : IObjectiveFunction
{
    private double[] _x = [];
    private double _value;
    private double[]? _gradient;
    private Matrix<double>? _hessian;
    private bool _valueKnown;

    public Vector<double> Point { get; private set; } = Vector<double>.Build.Dense(0);

    public double Value
    {
        get
        {
            if (!_valueKnown) EvaluateGradient();
            return _value;
        }
    }

    public bool IsGradientSupported => true;

    public Vector<double> Gradient
    {
        get
        {
            if (_gradient is null) EvaluateGradient();
            return Vector<double>.Build.Dense(_gradient!);
        }
    }

    public bool IsHessianSupported => objective.HasHessian;

    public Matrix<double> Hessian
    {
        get
        {
            if (_hessian is null)
            {
                var n = _x.Length;
                var g = new double[n];
                var h = new double[n, n];
                _value = objective.ValueGradientHessian(_x, g, h);
                _valueKnown = true;
                _gradient = g;
                _hessian = Matrix<double>.Build.DenseOfArray(h);
            }
            return _hessian;
        }
    }

    public void EvaluateAt(Vector<double> point)
    {
        Point = point;
        _x = point.ToArray();
        _valueKnown = false;
        _gradient = null;
        _hessian = null;
    }

    private void EvaluateGradient()
    {
        var g = new double[_x.Length];
        _value = objective.ValueAndGradient(_x, g);
        // A rejected point (+Infinity) gets a zero gradient: line searches read it before they look at the value.
        if (double.IsPositiveInfinity(_value)) Array.Clear(g);
        _gradient = g;
        _valueKnown = true;
    }

    public IObjectiveFunction Fork() => new MathNetObjective(objective, tracker);

    /// <summary>
    /// MathNet's line searches call this on their starting point to get a trial object, once per iteration: the
    /// moment an iterate is known to be accepted, so the tracker hears of it here.
    /// </summary>
    public IObjectiveFunction CreateNew()
    {
        if (_gradient is not null && double.IsFinite(_value)) tracker.Accepted(_x, _value, InfinityNorm(_gradient));
        return new MathNetObjective(objective, tracker);
    }

    internal static double InfinityNorm(double[] v)
    {
        var norm = 0.0;
        foreach (var e in v) norm = Math.Max(norm, Math.Abs(e));
        return norm;
    }
}
