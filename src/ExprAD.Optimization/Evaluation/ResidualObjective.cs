namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// The one door through which least squares evaluates residuals: counts evaluations, honours cancellation,
/// remembers the best finite point, and reports a non-finite residual vector or Jacobian as a sum of squares of
/// +Infinity so the trial step is rejected.
/// </summary>
internal sealed class ResidualObjective
{
    private readonly Action<double[], double[]> _values;
    private readonly JacobianFunc _jacobian;
    private readonly CancellationToken _cancellation;

    public ResidualObjective(int dimension, int count, Action<double[], double[]> values, JacobianFunc jacobian, CancellationToken cancellation)
    {
        Dimension = dimension;
        Count = count;
        _values = values;
        _jacobian = jacobian;
        _cancellation = cancellation;
        BestX = new double[dimension];
    }

    /// <summary>n, the number of parameters.</summary>
    public int Dimension { get; }

    /// <summary>Exceptions from the caller's code during this run (see <see cref="CallerFaults"/>).</summary>
    public CallerFaults Faults { get; } = new();

    /// <summary>m, the number of residuals.</summary>
    public int Count { get; }
    public int FunctionEvaluations { get; private set; }
    public int DerivativeEvaluations { get; private set; }
    public double[] BestX { get; }

    /// <summary>Best 0.5 * sum of squares seen; +Infinity until a finite one is seen.</summary>
    public double BestValue { get; private set; } = double.PositiveInfinity;

    /// <summary>Writes r(x) and returns 0.5 * |r|^2 (+Infinity when not finite).</summary>
    public double Residuals(double[] x, double[] r)
    {
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            FunctionEvaluations++;
            _values(x, r);
        }
        catch (Exception e) when (Faults.Saw(e))
        {
            throw;
        }
        return Remember(x, HalfSumOfSquares(r));
    }

    /// <summary>Writes r(x) and its Jacobian; returns 0.5 * |r|^2 (+Infinity when r or J is not finite).</summary>
    public double ResidualsAndJacobian(double[] x, double[] r, double[,] jacobian)
    {
        try
        {
            _cancellation.ThrowIfCancellationRequested();
            DerivativeEvaluations++;
            _jacobian(x, r, jacobian);
        }
        catch (Exception e) when (Faults.Saw(e))
        {
            throw;
        }
        var f = HalfSumOfSquares(r);
        foreach (var j in jacobian)
            if (!double.IsFinite(j)) f = double.PositiveInfinity;
        return Remember(x, f);
    }

    private static double HalfSumOfSquares(double[] r)
    {
        var s = 0.0;
        foreach (var e in r) s += e * e;
        return double.IsFinite(s) ? 0.5 * s : double.PositiveInfinity;
    }

    private double Remember(double[] x, double f)
    {
        if (f < BestValue && ScalarObjective.AllFinite(x))
        {
            BestValue = f;
            x.CopyTo(BestX, 0);
        }
        return f;
    }
}
