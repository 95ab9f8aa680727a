using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The Hessian benchmark's function: extended Rosenbrock plus a coupling sin(x[i] x[i+1]) per neighbouring pair
/// (tridiagonal part) plus log(sum_k exp(&lt;a_k, x&gt;)) over <see cref="Forms"/> captured linear forms (dense,
/// rank-<see cref="Forms"/> part), so every Hessian entry is nonzero. Three forms that must agree: the LINQ tree
/// <see cref="Definition"/>, the plain loops <see cref="Value"/>, and the hand-written value, gradient and
/// Hessian <see cref="ValueGradientHessian"/>.
/// </summary>
public sealed class CoupledRosenbrock
{
    /// <summary>Number of inputs in the benchmarks.</summary>
    public const int BenchmarkDimension = 50;

    /// <summary>Number of linear forms inside the log-sum-exp.</summary>
    public const int Forms = 3;

    private readonly double[,] _forms;

    /// <summary>Draws the linear forms (entries uniform in [-0.2, 0.2]) for <paramref name="dimension"/> inputs.</summary>
    public CoupledRosenbrock(int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        Dimension = dimension;
        var random = new Random(seed);
        _forms = new double[Forms, dimension];
        for (int k = 0; k < Forms; k++)
        {
            for (int j = 0; j < dimension; j++)
            {
                _forms[k, j] = 0.4 * random.NextDouble() - 0.2;
            }
        }

        double[,] a = _forms;
        int forms = Forms;
        Definition = x =>
            Enumerable.Range(0, x.Length - 1).Sum(i =>
                100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]) + Math.Sin(x[i] * x[i + 1]))
            + Math.Log(Enumerable.Range(0, forms).Sum(k => Math.Exp(Enumerable.Range(0, x.Length).Sum(j => a[k, j] * x[j]))));
    }

    /// <summary>Number of inputs the forms were drawn for.</summary>
    public int Dimension { get; }

    /// <summary>The expression tree ExprAD sees; it captures the forms.</summary>
    public Expression<Func<double[], double>> Definition { get; }

    /// <summary>The same function as plain loops.</summary>
    public double Value(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double residual = x[i + 1] - x[i] * x[i];
            double offset = 1 - x[i];
            sum += 100 * residual * residual + offset * offset + Math.Sin(x[i] * x[i + 1]);
        }
        double exponentials = 0;
        for (int k = 0; k < Forms; k++)
        {
            exponentials += Math.Exp(Form(k, x));
        }
        return sum + Math.Log(exponentials);
    }

    /// <summary>
    /// Hand-written value, gradient and Hessian: the log-sum-exp part is A^T (diag(p) - p p^T) A with p the softmax
    /// of the forms, written into every entry (upper triangle, mirrored); the tridiagonal parts are then added.
    /// </summary>
    /// <param name="x">The point, length <see cref="Dimension"/>.</param>
    /// <param name="g">Receives the gradient.</param>
    /// <param name="h">Receives the Hessian, n by n.</param>
    public double ValueGradientHessian(double[] x, double[] g, double[,] h)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(h);
        int n = x.Length;
        if (n != Dimension || g.Length != n || h.GetLength(0) != n || h.GetLength(1) != n)
        {
            throw new ArgumentException($"x, g and h must have {Dimension}, {Dimension} and {Dimension}x{Dimension} entries.");
        }

        Span<double> p = stackalloc double[Forms];
        double total = 0;
        for (int k = 0; k < Forms; k++)
        {
            p[k] = Math.Exp(Form(k, x));
            total += p[k];
        }
        for (int k = 0; k < Forms; k++)
        {
            p[k] /= total;
        }
        for (int j = 0; j < n; j++)
        {
            double c = 0;
            for (int k = 0; k < Forms; k++)
            {
                c += p[k] * _forms[k, j];
            }
            g[j] = c;
        }
        for (int j = 0; j < n; j++)
        {
            for (int l = j; l < n; l++)
            {
                double entry = -g[j] * g[l];
                for (int k = 0; k < Forms; k++)
                {
                    entry += p[k] * _forms[k, j] * _forms[k, l];
                }
                h[j, l] = entry;
                h[l, j] = entry;
            }
        }

        double sum = 0;
        for (int i = 0; i < n - 1; i++)
        {
            double xi = x[i], next = x[i + 1];
            double residual = next - xi * xi;
            double offset = 1 - xi;
            double sine = Math.Sin(xi * next), cosine = Math.Cos(xi * next);
            sum += 100 * residual * residual + offset * offset + sine;
            g[i] += -400 * residual * xi - 2 * offset + cosine * next;
            g[i + 1] += 200 * residual + cosine * xi;
            h[i, i] += 800 * xi * xi - 400 * residual + 2 - sine * next * next;
            h[i + 1, i + 1] += 200 - sine * xi * xi;
            double off = -400 * xi - sine * xi * next + cosine;
            h[i, i + 1] += off;
            h[i + 1, i] += off;
        }
        return sum + Math.Log(total);
    }

    /// <summary>A deterministic point: 1 plus a uniform perturbation in [-0.1, 0.1] per coordinate.</summary>
    public double[] CreatePoint(int seed) => ExtendedRosenbrock.CreatePoint(Dimension, seed);

    private double Form(int k, double[] x)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            s += _forms[k, j] * x[j];
        }
        return s;
    }
}
