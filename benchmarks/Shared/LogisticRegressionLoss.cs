using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The logistic-regression loss sum over rows i of log(1 + exp(-y[i] &lt;A[i, :], w&gt;)) on deterministic
/// random data, in three forms that must agree: the LINQ expression tree <see cref="Definition"/> (what ExprAD
/// sees; it captures the data matrix, the labels and the sizes), the plain C# loops <see cref="Value"/>, and
/// the hand-written reverse-mode gradient <see cref="ValueAndGradient"/>.
/// </summary>
/// <remarks>
/// The data come from a planted model: rows uniform in [-1, 1]^d, labels the sign of &lt;A[i, :], w*&gt; plus
/// noise, so both classes occur and the margins at the evaluation points are of order one. Compiled into both
/// the benchmark project and the test project, so the tests guard exactly the code that is benchmarked.
/// </remarks>
public sealed class LogisticRegressionLoss
{
    /// <summary>Number of data rows in the benchmarks.</summary>
    public const int BenchmarkRows = 10_000;

    /// <summary>Number of features (and parameters) in the benchmarks.</summary>
    public const int BenchmarkFeatures = 20;

    private readonly double[,] _data;
    private readonly double[] _labels;

    /// <summary>Draws a data set of <paramref name="rows"/> rows and <paramref name="features"/> features.</summary>
    /// <param name="rows">Number of data rows, m.</param>
    /// <param name="features">Number of features, d: the dimension of the parameter vector w.</param>
    /// <param name="seed">Seed of the pseudo-random generator that draws the data.</param>
    public LogisticRegressionLoss(int rows, int features, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        Rows = rows;
        Features = features;

        var random = new Random(seed);
        var planted = new double[features];
        for (int j = 0; j < features; j++)
        {
            planted[j] = 2 * random.NextDouble() - 1;
        }
        _data = new double[rows, features];
        _labels = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double margin = 0;
            for (int j = 0; j < features; j++)
            {
                _data[i, j] = 2 * random.NextDouble() - 1;
                margin += _data[i, j] * planted[j];
            }
            _labels[i] = margin + 0.5 * (2 * random.NextDouble() - 1) >= 0 ? 1 : -1;
        }

        // The definition captures locals, as a lambda written next to the data would.
        double[,] A = _data;
        double[] y = _labels;
        int m = rows;
        int d = features;
        Definition = w => Enumerable.Range(0, m).Sum(i =>
            Math.Log(1 + Math.Exp(-y[i] * Enumerable.Range(0, d).Sum(j => A[i, j] * w[j]))));
    }

    /// <summary>Number of data rows, m.</summary>
    public int Rows { get; }

    /// <summary>Number of features, d; also the number of inputs of the loss.</summary>
    public int Features { get; }

    /// <summary>The loss as an expression tree of LINQ sums over the captured data.</summary>
    public Expression<Func<double[], double>> Definition { get; }

    /// <summary>The data matrix A, rows by features; shared, not copied, for other implementations of the loss (do not modify).</summary>
    public double[,] Data => _data;

    /// <summary>The labels y, +1 or -1; shared, not copied (do not modify).</summary>
    public double[] Labels => _labels;

    /// <summary>The same loss as plain loops, in the same order of operations as <see cref="Definition"/>.</summary>
    /// <param name="w">Parameters; length <see cref="Features"/>.</param>
    public double Value(double[] w)
    {
        CheckParameters(w);
        double[,] a = _data;
        double[] y = _labels;
        int d = Features;
        double sum = 0;
        for (int i = 0; i < Rows; i++)
        {
            double margin = 0;
            for (int j = 0; j < d; j++)
            {
                margin += a[i, j] * w[j];
            }
            sum += Math.Log(1 + Math.Exp(-y[i] * margin));
        }
        return sum;
    }

    /// <summary>
    /// Hand-written reverse mode: returns the loss and overwrites <paramref name="g"/> with its gradient. Per
    /// row, one pass computes the margin z = &lt;A[i, :], w&gt;, and a second pass over the same row adds
    /// dloss/dz A[i, :] into the gradient, with dloss/dz = -y sigmoid(-y z) = -y e / (1 + e), e = exp(-y z)
    /// reused from the value. No allocations.
    /// </summary>
    /// <param name="w">Parameters; length <see cref="Features"/>.</param>
    /// <param name="g">Receives the gradient; length <see cref="Features"/>.</param>
    public double ValueAndGradient(double[] w, double[] g)
    {
        CheckParameters(w);
        ArgumentNullException.ThrowIfNull(g);
        if (g.Length != Features)
        {
            throw new ArgumentException($"g has {g.Length} entries, expected {Features}.", nameof(g));
        }

        double[,] a = _data;
        double[] y = _labels;
        int d = Features;
        // A plain loop: a vectorized clear can leave the vector registers' upper halves dirty, and the C library's exp
        // called next then stalls on every SSE instruction (see ExprAD's ScalarMemory).
        for (int k = 0; k < g.Length; k++) g[k] = 0;
        double sum = 0;
        for (int i = 0; i < Rows; i++)
        {
            double margin = 0;
            for (int j = 0; j < d; j++)
            {
                margin += a[i, j] * w[j];
            }
            double exponential = Math.Exp(-y[i] * margin);
            double onePlus = 1 + exponential;
            sum += Math.Log(onePlus);

            double marginAdjoint = -y[i] * exponential / onePlus;
            for (int j = 0; j < d; j++)
            {
                g[j] += marginAdjoint * a[i, j];
            }
        }
        return sum;
    }

    /// <summary>A deterministic parameter vector with entries uniform in [-0.5, 0.5].</summary>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    public double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        var point = new double[Features];
        for (int j = 0; j < point.Length; j++)
        {
            point[j] = random.NextDouble() - 0.5;
        }
        return point;
    }

    private void CheckParameters(double[] w)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (w.Length != Features)
        {
            throw new ArgumentException($"w has {w.Length} entries, expected {Features}.", nameof(w));
        }
    }
}
