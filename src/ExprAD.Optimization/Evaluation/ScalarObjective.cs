namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// The one door through which every solver evaluates a scalar objective. It counts evaluations, honours the
/// cancellation token, remembers the best finite point seen (what a failed run returns), and turns a NaN or
/// infinite value, or a non-finite gradient, into +Infinity so that any line search simply rejects the trial
/// point and shrinks the step instead of propagating NaN into its interpolation.
/// </summary>
internal sealed class ScalarObjective
{
    private readonly Func<double[], double>? _value;
    private readonly GradientFunc _gradient;
    private readonly HessianFunc? _hessian;
    private readonly CancellationToken _cancellation;

    // value: f alone, or null to evaluate f through the gradient (then counted as a derivative evaluation).
    public ScalarObjective(int dimension, Func<double[], double>? value, GradientFunc gradient, HessianFunc? hessian, CancellationToken cancellation)
    {
        Dimension = dimension;
        _value = value;
        _gradient = gradient;
        _hessian = hessian;
        _cancellation = cancellation;
        BestX = new double[dimension];
    }

    public int Dimension { get; }

    /// <summary>Exceptions from the caller's code during this run (see <see cref="CallerFaults"/>).</summary>
    public CallerFaults Faults { get; } = new();
    public int FunctionEvaluations { get; private set; }
    public int DerivativeEvaluations { get; private set; }
    public int HessianEvaluations { get; private set; }

    /// <summary>The finite point with the lowest value seen so far; <see cref="BestValue"/> is +Infinity until one is seen.</summary>
    public double[] BestX { get; }
    public double BestValue { get; private set; } = double.PositiveInfinity;

    public double Value(double[] x)
    {
        if (_value is null) return ValueAndGradient(x, new double[x.Length]);
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            FunctionEvaluations++;
            return Remember(x, _value(x));
        }
        catch (Exception e) when (Faults.Saw(e))
        {
            throw;
        }
    }

    public double ValueAndGradient(double[] x, double[] gradient)
    {
        double f;
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            DerivativeEvaluations++;
            f = _gradient(x, gradient);
        }
        catch (Exception e) when (Faults.Saw(e))
        {
            throw;
        }
        if (!AllFinite(gradient)) f = double.PositiveInfinity;
        return Remember(x, f);
    }

    public double ValueGradientHessian(double[] x, double[] gradient, double[,] hessian)
    {
        double f;
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            HessianEvaluations++;
            f = _hessian!(x, gradient, hessian);
        }
        catch (Exception e) when (Faults.Saw(e))
        {
            throw;
        }
        if (!AllFinite(gradient)) f = double.PositiveInfinity;
        foreach (var h in hessian)
            if (!double.IsFinite(h)) f = double.PositiveInfinity;
        return Remember(x, f);
    }

    private double Remember(double[] x, double f)
    {
        if (!double.IsFinite(f)) return double.PositiveInfinity;
        if (f < BestValue && AllFinite(x))
        {
            BestValue = f;
            x.CopyTo(BestX, 0);
        }
        return f;
    }

    internal static bool AllFinite(double[] v)
    {
        foreach (var e in v)
            if (!double.IsFinite(e)) return false;
        return true;
    }
}
