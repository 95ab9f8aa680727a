using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The squared-error loss of a one-hidden-layer tanh network on deterministic random regression data,
/// sum over rows r of (sum_j v[j] tanh(&lt;W1[j, :], X[r, :]&gt; + b1[j]) + c - y[r])^2, in three forms that must
/// agree: the LINQ expression tree <see cref="Definition"/> (what ExprAD sees), the plain C# loops
/// <see cref="Value"/>, and the hand-written reverse-mode gradient <see cref="ValueAndGradient"/>.
/// </summary>
/// <remarks>
/// <para>
/// The parameters are packed into one vector p of length <see cref="Dimension"/> = H d + 2 H + 1:
/// W1 row-major at offset 0 (W1[j, k] = p[j d + k]), b1 at <see cref="HiddenBiasOffset"/>, the output weights v
/// at <see cref="OutputWeightOffset"/>, the output bias c at <see cref="OutputBiasOffset"/>.
/// </para>
/// <para>
/// Inputs are uniform in [-1, 1]^d; targets are a smooth function of the inputs plus noise, of order one.
/// Compiled into both the benchmark project and the test project, so the tests guard exactly the code that
/// is benchmarked.
/// </para>
/// </remarks>
public sealed class MlpRegressionLoss
{
    /// <summary>Number of data rows in the benchmarks.</summary>
    public const int BenchmarkRows = 1_000;

    /// <summary>Number of inputs of the network in the benchmarks.</summary>
    public const int BenchmarkInputs = 10;

    /// <summary>Number of hidden units in the benchmarks.</summary>
    public const int BenchmarkHidden = 16;

    private readonly double[,] _inputs;
    private readonly double[] _targets;

    /// <summary>Draws a regression data set of <paramref name="rows"/> rows with <paramref name="inputs"/> inputs each.</summary>
    /// <param name="rows">Number of data rows, m.</param>
    /// <param name="inputs">Number of inputs of the network, d.</param>
    /// <param name="hidden">Number of hidden units, H.</param>
    /// <param name="seed">Seed of the pseudo-random generator that draws the data.</param>
    public MlpRegressionLoss(int rows, int inputs, int hidden, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Rows = rows;
        Inputs = inputs;
        Hidden = hidden;

        var random = new Random(seed);
        _inputs = new double[rows, inputs];
        _targets = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double signal = 0;
            for (int k = 0; k < inputs; k++)
            {
                _inputs[r, k] = 2 * random.NextDouble() - 1;
                signal += Math.Sin((k + 1) * _inputs[r, k]) / (k + 1);
            }
            _targets[r] = signal + 0.1 * (2 * random.NextDouble() - 1);
        }

        // The definition captures locals, as a lambda written next to the data would.
        double[,] X = _inputs;
        double[] y = _targets;
        int m = rows;
        int d = inputs;
        int H = hidden;
        int B = HiddenBiasOffset;
        int V = OutputWeightOffset;
        int C = OutputBiasOffset;
        Definition = p => Enumerable.Range(0, m).Sum(r => Math.Pow(
            Enumerable.Range(0, H).Sum(j =>
                p[V + j] * Math.Tanh(Enumerable.Range(0, d).Sum(k => p[j * d + k] * X[r, k]) + p[B + j]))
            + p[C] - y[r], 2));
    }

    /// <summary>Number of data rows, m.</summary>
    public int Rows { get; }

    /// <summary>Number of inputs of the network, d.</summary>
    public int Inputs { get; }

    /// <summary>Number of hidden units, H.</summary>
    public int Hidden { get; }

    /// <summary>Offset of the hidden biases b1 in the parameter vector: H d.</summary>
    public int HiddenBiasOffset => Hidden * Inputs;

    /// <summary>Offset of the output weights v in the parameter vector: H d + H.</summary>
    public int OutputWeightOffset => HiddenBiasOffset + Hidden;

    /// <summary>Index of the output bias c in the parameter vector: H d + 2 H.</summary>
    public int OutputBiasOffset => OutputWeightOffset + Hidden;

    /// <summary>Number of parameters, H d + 2 H + 1: the number of inputs of the loss.</summary>
    public int Dimension => OutputBiasOffset + 1;

    /// <summary>The loss as an expression tree of nested LINQ sums over the captured data.</summary>
    public Expression<Func<double[], double>> Definition { get; }

    [ThreadStatic] private static double[]? _activations;

    /// <summary>The inputs X, rows by inputs; shared, not copied, for other implementations of the loss (do not modify).</summary>
    public double[,] InputData => _inputs;

    /// <summary>The regression targets y; shared, not copied (do not modify).</summary>
    public double[] Targets => _targets;

    /// <summary>The same loss as plain loops, in the same order of operations as <see cref="Definition"/> (the square as e e).</summary>
    /// <param name="p">Packed parameters; length <see cref="Dimension"/>.</param>
    public double Value(double[] p)
    {
        CheckParameters(p);
        double[,] x = _inputs;
        int d = Inputs;
        int b = HiddenBiasOffset, v = OutputWeightOffset, c = OutputBiasOffset;
        double sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            double output = 0;
            for (int j = 0; j < Hidden; j++)
            {
                double preactivation = 0;
                for (int k = 0; k < d; k++)
                {
                    preactivation += p[j * d + k] * x[r, k];
                }
                output += p[v + j] * Math.Tanh(preactivation + p[b + j]);
            }
            double error = output + p[c] - _targets[r];
            sum += error * error;
        }
        return sum;
    }

    /// <summary>
    /// Hand-written reverse mode (backpropagation): returns the loss and overwrites <paramref name="g"/> with its
    /// gradient. Per row, the forward pass computes the hidden layer once and keeps the activations in a
    /// stack buffer; the backward pass then adds each hidden unit's contributions to the gradients of v, b1 and
    /// W1 in one sweep, using tanh' = 1 - tanh^2. No heap allocations.
    /// </summary>
    /// <param name="p">Packed parameters; length <see cref="Dimension"/>.</param>
    /// <param name="g">Receives the gradient; length <see cref="Dimension"/>.</param>
    public double ValueAndGradient(double[] p, double[] g)
    {
        CheckParameters(p);
        ArgumentNullException.ThrowIfNull(g);
        if (g.Length != Dimension)
        {
            throw new ArgumentException($"g has {g.Length} entries, expected {Dimension}.", nameof(g));
        }

        double[,] x = _inputs;
        int d = Inputs;
        int hidden = Hidden;
        int b = HiddenBiasOffset, v = OutputWeightOffset, c = OutputBiasOffset;
        // Not stackalloc: its zeroing with wide stores can leave the vector registers' upper halves dirty, and every
        // Math.Tanh after it then stalls (see Gmm.ValueAndGradient). Every entry is written before it is read.
        Span<double> activations = (_activations is { } cached && cached.Length >= hidden ? cached : _activations = new double[hidden]).AsSpan(0, hidden);
        // A plain loop: a vectorized clear can leave the vector registers' upper halves dirty, and the C library's exp
        // called next then stalls on every SSE instruction (see ExprAD's ScalarMemory).
        for (int k = 0; k < g.Length; k++) g[k] = 0;
        double sum = 0;
        double outputBiasGradient = 0;
        for (int r = 0; r < Rows; r++)
        {
            // Forward: hidden activations, output, error.
            double output = 0;
            for (int j = 0; j < hidden; j++)
            {
                double preactivation = 0;
                int row = j * d;
                for (int k = 0; k < d; k++)
                {
                    preactivation += p[row + k] * x[r, k];
                }
                double activation = Math.Tanh(preactivation + p[b + j]);
                activations[j] = activation;
                output += p[v + j] * activation;
            }
            double error = output + p[c] - _targets[r];
            sum += error * error;

            // Backward: d(e^2)/de = 2 e flows to c, to each v[j], and through tanh to b1[j] and W1[j, :].
            double errorAdjoint = 2 * error;
            outputBiasGradient += errorAdjoint;
            for (int j = 0; j < hidden; j++)
            {
                double activation = activations[j];
                g[v + j] += errorAdjoint * activation;
                double preactivationAdjoint = errorAdjoint * p[v + j] * (1 - activation * activation);
                g[b + j] += preactivationAdjoint;
                int row = j * d;
                for (int k = 0; k < d; k++)
                {
                    g[row + k] += preactivationAdjoint * x[r, k];
                }
            }
        }
        g[c] = outputBiasGradient;
        return sum;
    }

    /// <summary>
    /// A deterministic parameter vector: first-layer weights uniform in [-1/sqrt(d), 1/sqrt(d)] so the
    /// pre-activations are of order one (tanh neither linear nor saturated), the rest uniform in [-0.5, 0.5].
    /// </summary>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    public double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        var point = new double[Dimension];
        double weightScale = 1 / Math.Sqrt(Inputs);
        for (int i = 0; i < point.Length; i++)
        {
            double uniform = 2 * random.NextDouble() - 1;
            point[i] = i < HiddenBiasOffset ? weightScale * uniform : 0.5 * uniform;
        }
        return point;
    }

    private void CheckParameters(double[] p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Length != Dimension)
        {
            throw new ArgumentException($"p has {p.Length} entries, expected {Dimension}.", nameof(p));
        }
    }
}
