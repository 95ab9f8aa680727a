using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The square Jacobian benchmark's vector function F: R^n -> R^n, Broyden's tridiagonal system plus a dense
/// coupling per equation:
/// F_i(x) = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1 + 0.1 sin(&lt;b_i, x&gt;), with x_{-1} = x_n = 0 and b_i
/// captured data, so the Jacobian is dense. Three forms that must agree: the expression tree
/// <see cref="Definition"/> (an array initializer of n outputs, each the same row template invoked with its
/// index), the plain loops <see cref="Values"/>, and the hand-written Jacobian <see cref="ValuesAndJacobian"/>.
/// </summary>
public sealed class CoupledBroyden
{
    /// <summary>Number of inputs and outputs in the benchmarks.</summary>
    public const int BenchmarkDimension = 100;

    private readonly double[,] _coupling;

    /// <summary>Draws the coupling rows (entries uniform in [-0.1, 0.1]).</summary>
    public CoupledBroyden(int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        Dimension = dimension;
        var random = new Random(seed);
        _coupling = new double[dimension, dimension];
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                _coupling[i, j] = 0.2 * random.NextDouble() - 0.1;
            }
        }

        double[,] b = _coupling;
        Expression<Func<double[], int, double>> row = (x, i) =>
            (3 - 2 * x[i]) * x[i] - (i > 0 ? x[i - 1] : 0) - (i < x.Length - 1 ? 2 * x[i + 1] : 0) + 1
            + 0.1 * Math.Sin(Enumerable.Range(0, x.Length).Sum(j => b[i, j] * x[j]));
        var input = Expression.Parameter(typeof(double[]), "x");
        var outputs = Enumerable.Range(0, dimension).Select(i => Expression.Invoke(row, input, Expression.Constant(i)));
        Definition = Expression.Lambda<Func<double[], double[]>>(Expression.NewArrayInit(typeof(double), outputs), input);
    }

    /// <summary>Number of inputs and outputs.</summary>
    public int Dimension { get; }

    /// <summary>The expression tree ExprAD sees: <c>x =&gt; new[] { row(x, 0), ..., row(x, n - 1) }</c>.</summary>
    public Expression<Func<double[], double[]>> Definition { get; }

    /// <summary>The same function as plain loops, into <paramref name="values"/>.</summary>
    public void Values(double[] x, double[] values)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        int n = Dimension;
        for (int i = 0; i < n; i++)
        {
            values[i] = Equation(x, i, Coupling(x, i));
        }
    }

    /// <summary>Hand-written values and Jacobian: the dense coupling 0.1 cos(&lt;b_i, x&gt;) b_i, plus the tridiagonal band.</summary>
    public void ValuesAndJacobian(double[] x, double[] values, double[,] jacobian)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(jacobian);
        int n = Dimension;
        for (int i = 0; i < n; i++)
        {
            double s = Coupling(x, i);
            values[i] = Equation(x, i, s);
            double scale = 0.1 * Math.Cos(s);
            for (int j = 0; j < n; j++)
            {
                jacobian[i, j] = scale * _coupling[i, j];
            }
            jacobian[i, i] += 3 - 4 * x[i];
            if (i > 0)
            {
                jacobian[i, i - 1] -= 1;
            }
            if (i < n - 1)
            {
                jacobian[i, i + 1] -= 2;
            }
        }
    }

    /// <summary>A deterministic point: each coordinate uniform in [-1, 0] (Broyden's usual start is -1).</summary>
    public double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Dimension).Select(_ => -random.NextDouble()).ToArray();
    }

    private double Coupling(double[] x, int i)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            s += _coupling[i, j] * x[j];
        }
        return s;
    }

    private static double Equation(double[] x, int i, double coupling) =>
        (3 - 2 * x[i]) * x[i] - (i > 0 ? x[i - 1] : 0) - (i < x.Length - 1 ? 2 * x[i + 1] : 0) + 1 + 0.1 * Math.Sin(coupling);
}
