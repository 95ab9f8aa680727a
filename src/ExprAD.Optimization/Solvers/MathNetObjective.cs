using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using ExprAD.Optimization.Evaluation;

namespace ExprAD.Optimization.Solvers;

/// <summary>
/// Adapts <see cref="ScalarObjective"/> to MathNet's evaluation object. Value and gradient are computed together on
/// first access (AD yields both from one call).
/// </summary>
internal sealed class MathNetObjective(ScalarObjective objective, IterationTracker tracker) : IObjectiveFunction
{
    /// <summary>What MathNet sees at a point where f, or its gradient, is NaN or infinite.</summary>
    internal const double RejectedValue = 1e300;

    private double[] _x = [];
    private double _value;
    private double[]? _gradient;
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

    public bool IsHessianSupported => false;

    /// <summary>Newton runs in <see cref="ModifiedNewton"/>, so MathNet never asks for a Hessian here.</summary>
    public Matrix<double> Hessian => throw new NotSupportedException("MathNetObjective serves gradient methods only.");

    public void EvaluateAt(Vector<double> point)
    {
        Point = point;
        _x = point.ToArray();
        _valueKnown = false;
        _gradient = null;
    }

    private void EvaluateGradient()
    {
        var g = new double[_x.Length];
        _value = objective.ValueAndGradient(_x, g);
        if (double.IsPositiveInfinity(_value))
        {
            // MathNet's line searches throw on a non-finite value ("Line search failed") instead of shrinking the
            // step; a huge finite value fails their sufficient-decrease test, so they shrink it. The gradient is
            // zeroed because they read it before they look at the value.
            _value = RejectedValue;
            Array.Clear(g);
        }
        _gradient = g;
        _valueKnown = true;
    }

    /// <summary>A copy with the same point and cached results: MathNet forks to keep an evaluated point while it moves on.</summary>
    public IObjectiveFunction Fork() => new MathNetObjective(objective, tracker)
    {
        Point = Point,
        _x = _x,
        _value = _value,
        _valueKnown = _valueKnown,
        _gradient = _gradient,
    };

    /// <summary>
    /// MathNet's line searches call this on their starting point to get a trial object, once per iteration: the
    /// moment an iterate is known to be accepted, so the tracker hears of it here.
    /// </summary>
    public IObjectiveFunction CreateNew()
    {
        if (_gradient is not null && _value < RejectedValue) tracker.Accepted(_x, _value, InfinityNorm(_gradient));
        return new MathNetObjective(objective, tracker);
    }

    internal static double InfinityNorm(double[] v)
    {
        var norm = 0.0;
        foreach (var e in v) norm = Math.Max(norm, Math.Abs(e));
        return norm;
    }
}
