using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The tall Jacobian benchmark's vector function: the residuals r_k(p) = y_k - model(t_k, p) of a 10-parameter
/// curve fit over m captured data points, with
/// model(t, p) = p0 + p1 exp(-p2 t) + p3 exp(-(t - p4)^2 / p5^2) + p6 sin(p7 t + p8) + p9 t.
/// Three forms that must agree: the expression tree <see cref="Definition"/> (a loop filling a local
/// <c>new double[m]</c>, as a residual function is naturally written), the plain loop <see cref="Values"/>, and
/// the hand-written Jacobian <see cref="ValuesAndJacobian"/>.
/// </summary>
public sealed class CurveFitResiduals
{
    /// <summary>Number of data points (residuals) in the benchmarks.</summary>
    public const int BenchmarkPoints = 1000;

    /// <summary>Number of model parameters.</summary>
    public const int Parameters = 10;

    private static readonly double[] Planted = [0.5, 2.0, 0.7, 1.5, 5.0, 1.2, 0.8, 1.3, 0.4, 0.05];

    private readonly double[] _t;
    private readonly double[] _y;

    /// <summary>Data: t evenly spaced over [0, 10], y the planted model plus uniform noise in [-0.05, 0.05].</summary>
    public CurveFitResiduals(int points, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        Points = points;
        var random = new Random(seed);
        _t = new double[points];
        _y = new double[points];
        for (int k = 0; k < points; k++)
        {
            _t[k] = 10.0 * k / points;
            _y[k] = Model(Planted, _t[k]) + 0.1 * random.NextDouble() - 0.05;
        }

        double[] t = _t, y = _y;
        Expression<Func<double[], int, double>> residual = (p, k) => y[k] - (p[0] + p[1] * Math.Exp(-p[2] * t[k])
            + p[3] * Math.Exp(-(t[k] - p[4]) * (t[k] - p[4]) / (p[5] * p[5])) + p[6] * Math.Sin(p[7] * t[k] + p[8]) + p[9] * t[k]);

        // r = new double[m]; for (k = 0; k < m; k++) r[k] = residual(x, k); return r;
        var x = Expression.Parameter(typeof(double[]), "x");
        var r = Expression.Variable(typeof(double[]), "r");
        var index = Expression.Variable(typeof(int), "k");
        var end = Expression.Label("end");
        var body = Expression.Block([r, index],
            Expression.Assign(r, Expression.NewArrayBounds(typeof(double), Expression.Constant(points))),
            Expression.Assign(index, Expression.Constant(0)),
            Expression.Loop(Expression.Block(
                Expression.IfThen(Expression.Not(Expression.LessThan(index, Expression.Constant(points))), Expression.Break(end)),
                Expression.Assign(Expression.ArrayAccess(r, index), Expression.Invoke(residual, x, index)),
                Expression.PostIncrementAssign(index)), end),
            r);
        Definition = Expression.Lambda<Func<double[], double[]>>(body, x);
    }

    /// <summary>Number of data points, m: the number of residuals.</summary>
    public int Points { get; }

    /// <summary>The expression tree ExprAD sees.</summary>
    public Expression<Func<double[], double[]>> Definition { get; }

    /// <summary>The residuals as a plain loop, into <paramref name="values"/>.</summary>
    public void Values(double[] p, double[] values)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(values);
        for (int k = 0; k < Points; k++)
        {
            values[k] = _y[k] - Model(p, _t[k]);
        }
    }

    /// <summary>Hand-written residuals and m-by-10 Jacobian, one row per data point.</summary>
    public void ValuesAndJacobian(double[] p, double[] values, double[,] jacobian)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(jacobian);
        double inverseWidth = 1 / (p[5] * p[5]);
        for (int k = 0; k < Points; k++)
        {
            double t = _t[k];
            double decay = Math.Exp(-p[2] * t);
            double shift = t - p[4];
            double bump = Math.Exp(-shift * shift * inverseWidth);
            double phase = p[7] * t + p[8];
            double sine = Math.Sin(phase), cosine = Math.Cos(phase);
            values[k] = _y[k] - (p[0] + p[1] * decay + p[3] * bump + p[6] * sine + p[9] * t);
            jacobian[k, 0] = -1;
            jacobian[k, 1] = -decay;
            jacobian[k, 2] = p[1] * t * decay;
            jacobian[k, 3] = -bump;
            jacobian[k, 4] = -2 * p[3] * bump * shift * inverseWidth;
            jacobian[k, 5] = -2 * p[3] * bump * shift * shift * inverseWidth / p[5];
            jacobian[k, 6] = -sine;
            jacobian[k, 7] = -p[6] * cosine * t;
            jacobian[k, 8] = -p[6] * cosine;
            jacobian[k, 9] = -t;
        }
    }

    /// <summary>A deterministic point near the planted parameters (each within 20% of its planted value).</summary>
    public static double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        return Planted.Select(v => v * (1 + 0.4 * random.NextDouble() - 0.2)).ToArray();
    }

    private static double Model(double[] p, double t) =>
        p[0] + p[1] * Math.Exp(-p[2] * t) + p[3] * Math.Exp(-(t - p[4]) * (t - p[4]) / (p[5] * p[5])) + p[6] * Math.Sin(p[7] * t + p[8]) + p[9] * t;
}
