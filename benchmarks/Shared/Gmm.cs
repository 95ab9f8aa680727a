using System.Buffers;
using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// One input of the ADBench Gaussian-mixture-model benchmark (format in data/adbench/README.md): the
/// shape (d, K, n), the starting parameters (alphas, means, icf) and the constants (data points x,
/// Wishart prior gamma and m).
/// </summary>
public sealed class GmmData
{
    /// <summary>The input files shipped in data/adbench/gmm, smallest first.</summary>
    public static readonly IReadOnlyList<string> FileNames =
    [
        "gmm_test.txt",
        "1k_gmm_d2_K5.txt",
        "1k_gmm_d10_K5.txt",
        "1k_gmm_d10_K25.txt",
        "1k_gmm_d20_K10.txt",
        "1k_gmm_d64_K10.txt",
    ];

    /// <summary>Creates a problem from its parts; the arrays are kept, not copied.</summary>
    /// <param name="alphas">K mixture log-weights.</param>
    /// <param name="means">K by d component means.</param>
    /// <param name="icf">K by d(d+1)/2 inverse-covariance factors: d log-diagonal entries, then the strict lower part by columns.</param>
    /// <param name="x">n by d data points.</param>
    /// <param name="gamma">Wishart prior scale.</param>
    /// <param name="m">Wishart prior degrees of freedom beyond d + 1.</param>
    public GmmData(double[] alphas, double[,] means, double[,] icf, double[,] x, double gamma, int m)
    {
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(icf);
        ArgumentNullException.ThrowIfNull(x);
        int k = alphas.Length, d = x.GetLength(1);
        if (k == 0 || d == 0 || x.GetLength(0) == 0)
        {
            throw new ArgumentException("A mixture needs at least one component, one dimension and one data point.");
        }
        if (means.GetLength(0) != k || means.GetLength(1) != d)
        {
            throw new ArgumentException($"means is {means.GetLength(0)} by {means.GetLength(1)}; expected K = {k} by d = {d}.", nameof(means));
        }
        if (icf.GetLength(0) != k || icf.GetLength(1) != d * (d + 1) / 2)
        {
            throw new ArgumentException($"icf is {icf.GetLength(0)} by {icf.GetLength(1)}; expected K = {k} by d(d+1)/2 = {d * (d + 1) / 2}.", nameof(icf));
        }
        if (m < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), m, "The Wishart prior needs m >= 0.");
        }

        Alphas = alphas;
        Means = means;
        Icf = icf;
        X = x;
        Gamma = gamma;
        M = m;
    }

    /// <summary>Dimension of the data points.</summary>
    public int D => X.GetLength(1);

    /// <summary>Number of mixture components.</summary>
    public int K => Alphas.Length;

    /// <summary>Number of data points.</summary>
    public int N => X.GetLength(0);

    /// <summary>Initial mixture log-weights, length K.</summary>
    public double[] Alphas { get; }

    /// <summary>Initial means, K by d.</summary>
    public double[,] Means { get; }

    /// <summary>Initial inverse-covariance factors, K by <see cref="IcfLength"/>.</summary>
    public double[,] Icf { get; }

    /// <summary>Data points, n by d; constants of the objective.</summary>
    public double[,] X { get; }

    /// <summary>Wishart prior scale.</summary>
    public double Gamma { get; }

    /// <summary>Wishart prior degrees of freedom beyond d + 1.</summary>
    public int M { get; }

    /// <summary>Parameters per component in icf: d log-diagonal entries and d(d-1)/2 strictly-lower entries.</summary>
    public int IcfLength => D * (D + 1) / 2;

    /// <summary>Length of the parameter (and gradient) vector: K alphas, K*d means, K*d(d+1)/2 icf.</summary>
    public int ParameterCount => K + K * D + K * IcfLength;

    /// <summary>Index of the first mean in the parameter vector (alphas come first).</summary>
    public int MeansOffset => K;

    /// <summary>Index of the first icf entry in the parameter vector (after alphas and means).</summary>
    public int IcfOffset => K + K * D;

    /// <summary>The file's parameters packed in gradient order: alphas, then means, then icf, component by component.</summary>
    public double[] InitialParameters()
    {
        var p = new double[ParameterCount];
        int d = D, t = IcfLength;
        for (int k = 0; k < K; k++)
        {
            p[k] = Alphas[k];
            for (int j = 0; j < d; j++)
            {
                p[MeansOffset + k * d + j] = Means[k, j];
            }
            for (int j = 0; j < t; j++)
            {
                p[IcfOffset + k * t + j] = Icf[k, j];
            }
        }
        return p;
    }

    /// <summary>
    /// Reads the ADBench text format: <c>d K n</c>, K alphas, K rows of d means, K rows of icf, n rows of d
    /// points, then <c>gamma m</c>; numbers separated by any whitespace, parsed culture-independently.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, has extra numbers, or a token is not a number.</exception>
    public static GmmData Load(string path)
    {
        var tokens = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int next = 0;

        double Number()
        {
            if (next >= tokens.Length)
            {
                throw new InvalidDataException($"{path}: ends after {tokens.Length} numbers; the header promises more.");
            }
            string token = tokens[next++];
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                throw new InvalidDataException($"{path}: number {next} is '{token}', not a number.");
            }
            return value;
        }

        int Count(string what)
        {
            double value = Number();
            if (value < 0 || value != Math.Floor(value) || value > int.MaxValue)
            {
                throw new InvalidDataException($"{path}: {what} is {value.ToString(CultureInfo.InvariantCulture)}; expected a non-negative integer.");
            }
            return (int)value;
        }

        double[,] Matrix(int rows, int columns)
        {
            var matrix = new double[rows, columns];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    matrix[r, c] = Number();
                }
            }
            return matrix;
        }

        int d = Count("d"), k = Count("K"), n = Count("n");
        var alphas = new double[k];
        for (int j = 0; j < k; j++)
        {
            alphas[j] = Number();
        }
        var means = Matrix(k, d);
        var icf = Matrix(k, d * (d + 1) / 2);
        var x = Matrix(n, d);
        double gamma = Number();
        int m = Count("m");
        if (next != tokens.Length)
        {
            throw new InvalidDataException($"{path}: {tokens.Length - next} numbers after gamma and m; the header says d={d}, K={k}, n={n}.");
        }
        return new GmmData(alphas, means, icf, x, gamma, m);
    }

    /// <summary>Loads one of <see cref="FileNames"/> from the repository's data/adbench/gmm folder.</summary>
    public static GmmData LoadFile(string fileName) => Load(Path.Combine(FindDataDirectory(), fileName));

    /// <summary>
    /// The repository's data/adbench/gmm folder, found by walking up from the running assembly's folder
    /// (bin/Release/net10.0 of the tests or the benchmarks, or BenchmarkDotNet's generated child project),
    /// so no path has to be configured.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No ancestor folder contains data/adbench/gmm.</exception>
    public static string FindDataDirectory()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "data", "adbench", "gmm");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains data/adbench/gmm.");
    }
}

/// <summary>
/// The ADBench GMM objective (data/adbench/README.md) in three forms that must agree: the LINQ expression
/// tree <see cref="Objective"/> (what ExprAD differentiates), the plain C# <see cref="Value"/>, and the
/// hand-written reverse-mode <see cref="ValueAndGradient"/> (the yardstick ExprAD is measured against).
/// </summary>
/// <remarks>
/// The parameter vector p holds the K alphas, then the K*d means (component by component), then the
/// K*d(d+1)/2 icf entries (per component: d log-diagonal entries q, then the strictly-lower entries l of
/// Q taken column by column). Q_k is lower triangular with diagonal exp(q_k). Entry (r, c), r &gt; c, of Q_k is
/// l_k[c(2d - c - 1)/2 + r - c - 1]: the columns before c hold (d-1) + (d-2) + ... + (d-c) = c(2d - c - 1)/2
/// entries, and column c starts at row c + 1.
/// </remarks>
public static class Gmm
{
    // Scratch of the hand-written gradient up to this many doubles (16 KiB, the largest ADBench file needs
    // about 2,000) lives on the stack; larger problems rent it from the shared pool. Either way a call allocates nothing.
    private const int MaxStackScratch = 2048;

    [ThreadStatic] private static double[]? _scratch;

    /// <summary>
    /// The objective as a LINQ expression lambda over the parameter vector, written the way one would by
    /// hand: every loop is an <c>Enumerable.Range</c>, logsumexp subtracts the maximum first.
    /// </summary>
    /// <remarks>
    /// Expression lambdas have no local variables, so each point's maximum is bound by a <c>Select</c> and
    /// handed to the second <c>Select</c> (the overload with the index recovers the point); the main term is
    /// therefore written, and evaluated, twice: once for the maximum, once for the sum of exponentials.
    /// The maximum of the alphas is recomputed inside its sum: K^2 work, nothing next to the n K d^2 of the
    /// data term. The data points and the constants are captured; C (with its lgamma) is computed here, once.
    /// </remarks>
    public static Expression<Func<double[], double>> Objective(GmmData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.D, K = data.K, n = data.N;
        int icfLength = data.IcfLength, meansOffset = data.MeansOffset, icfOffset = data.IcfOffset;
        double[,] x = data.X;
        double constant = Constant(data);
        double halfGammaSquared = 0.5 * data.Gamma * data.Gamma;
        double m = data.M;

        return p =>
            constant
            // Data term: sum over points of logsumexp over components of
            // alpha_k + sum(q_k) - 0.5 ||Q_k (x_i - mu_k)||^2.
            + Enumerable.Range(0, n)
                .Select(i => Enumerable.Range(0, K).Max(k =>
                    p[k]
                    + Enumerable.Range(0, d).Sum(j => p[icfOffset + k * icfLength + j])
                    - 0.5 * Enumerable.Range(0, d)
                        .Select(r => Math.Exp(p[icfOffset + k * icfLength + r]) * (x[i, r] - p[meansOffset + k * d + r])
                            + Enumerable.Range(0, r).Sum(c =>
                                p[icfOffset + k * icfLength + d + c * (2 * d - c - 1) / 2 + r - c - 1] * (x[i, c] - p[meansOffset + k * d + c])))
                        .Sum(v => v * v)))
                .Select((max, i) => max + Math.Log(Enumerable.Range(0, K).Sum(k => Math.Exp(
                    p[k]
                    + Enumerable.Range(0, d).Sum(j => p[icfOffset + k * icfLength + j])
                    - 0.5 * Enumerable.Range(0, d)
                        .Select(r => Math.Exp(p[icfOffset + k * icfLength + r]) * (x[i, r] - p[meansOffset + k * d + r])
                            + Enumerable.Range(0, r).Sum(c =>
                                p[icfOffset + k * icfLength + d + c * (2 * d - c - 1) / 2 + r - c - 1] * (x[i, c] - p[meansOffset + k * d + c])))
                        .Sum(v => v * v)
                    - max))))
                .Sum()
            // Normalisation of the mixture weights: n logsumexp(alpha).
            - n * (Enumerable.Range(0, K).Max(k => p[k])
                + Math.Log(Enumerable.Range(0, K).Sum(k => Math.Exp(p[k] - Enumerable.Range(0, K).Max(j => p[j])))))
            // Wishart prior on each component's inverse covariance.
            + Enumerable.Range(0, K).Sum(k =>
                halfGammaSquared * (Enumerable.Range(0, d).Select(j => Math.Exp(p[icfOffset + k * icfLength + j])).Sum(e => e * e)
                    + Enumerable.Range(d, icfLength - d).Select(j => p[icfOffset + k * icfLength + j]).Sum(l => l * l))
                - m * Enumerable.Range(0, d).Sum(j => p[icfOffset + k * icfLength + j]));
    }

    /// <summary>
    /// The objective in plain C#, term for term and in the same summation order as <see cref="Objective"/>
    /// (each main term computed once and kept, which gives the same numbers as computing it twice).
    /// </summary>
    /// <remarks>
    /// A reference, not a tuned baseline: like the LINQ form it walks Q row by row through the packed
    /// index and takes exp(q) and x - mu afresh for every point, which makes it slower than
    /// <see cref="ValueAndGradient"/> on the larger files.
    /// </remarks>
    /// <param name="data">The problem.</param>
    /// <param name="p">Parameters in gradient order; length <see cref="GmmData.ParameterCount"/>.</param>
    public static double Value(GmmData data, double[] p)
    {
        CheckLengths(data, p, null);
        int d = data.D, K = data.K, n = data.N;
        int icfLength = data.IcfLength, meansOffset = data.MeansOffset, icfOffset = data.IcfOffset;
        double[,] x = data.X;
        double halfGammaSquared = 0.5 * data.Gamma * data.Gamma, m = data.M;
        Span<double> main = K <= MaxStackScratch ? stackalloc double[K] : new double[K];

        double dataTerm = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0; k < K; k++)
            {
                int q = icfOffset + k * icfLength, mu = meansOffset + k * d;
                double sumQ = 0;
                for (int j = 0; j < d; j++)
                {
                    sumQ += p[q + j];
                }
                double squaredNorm = 0;
                for (int r = 0; r < d; r++)
                {
                    double lower = 0;
                    for (int c = 0; c < r; c++)
                    {
                        lower += p[q + d + c * (2 * d - c - 1) / 2 + r - c - 1] * (x[i, c] - p[mu + c]);
                    }
                    double row = Math.Exp(p[q + r]) * (x[i, r] - p[mu + r]) + lower;
                    squaredNorm += row * row;
                }
                main[k] = p[k] + sumQ - 0.5 * squaredNorm;
                if (main[k] > max)
                {
                    max = main[k];
                }
            }
            double sum = 0;
            for (int k = 0; k < K; k++)
            {
                sum += Math.Exp(main[k] - max);
            }
            dataTerm += max + Math.Log(sum);
        }

        double prior = 0;
        for (int k = 0; k < K; k++)
        {
            int q = icfOffset + k * icfLength;
            double diagonalSquares = 0, lowerSquares = 0, sumQ = 0;
            for (int j = 0; j < d; j++)
            {
                double e = Math.Exp(p[q + j]);
                diagonalSquares += e * e;
            }
            for (int j = d; j < icfLength; j++)
            {
                lowerSquares += p[q + j] * p[q + j];
            }
            for (int j = 0; j < d; j++)
            {
                sumQ += p[q + j];
            }
            prior += halfGammaSquared * (diagonalSquares + lowerSquares) - m * sumQ;
        }

        return Constant(data) + dataTerm - n * LogSumExp(p.AsSpan(0, K)) + prior;
    }

    /// <summary>
    /// Hand-written reverse mode: returns the objective and overwrites every entry of
    /// <paramref name="gradient"/> with its gradient. Allocation-free and thread-safe: the scratch
    /// (3Kd + 2K doubles) is on the stack, or pooled for problems too large for the stack.
    /// </summary>
    /// <remarks>
    /// Per point, a forward sweep over the components computes y = x_i - mu_k and z = Q_k y (kept, K*d
    /// each) and the main terms; the logsumexp's softmax weights w_k are then its adjoints, and a reverse
    /// sweep per component adds w_k times the partials of main into the gradient. Q_k's strict lower part
    /// is stored by columns, so both sweeps walk it column by column: z += y_c * (column c) is one
    /// contiguous axpy, and its adjoint is one axpy (into the gradient of l) fused with one dot product
    /// ((Q^T z)_c, for the mean). Cost per point and component: d(d-1)/2 multiply-adds forward,
    /// d(d-1) backward, plus one exp; exp(q) is taken once per call, not per point.
    /// </remarks>
    /// <param name="data">The problem.</param>
    /// <param name="p">Parameters in gradient order; length <see cref="GmmData.ParameterCount"/>.</param>
    /// <param name="gradient">Receives the gradient; same length as <paramref name="p"/>.</param>
    public static double ValueAndGradient(GmmData data, double[] p, double[] gradient)
    {
        CheckLengths(data, p, gradient);
        int scratchLength = 3 * data.K * data.D + 2 * data.K;
        double[]? rented = null;
        // A per-thread buffer rather than stackalloc: zeroing a stackalloc uses 512-bit stores on AVX-512 machines,
        // which leave the vector registers' upper halves dirty, and every Math.Exp after it then stalls (the
        // SSE/AVX transition penalty of the C library's exp). The buffer needs no zeroing: every entry is written first.
        Span<double> scratch = scratchLength <= MaxStackScratch
            ? (_scratch ??= new double[MaxStackScratch]).AsSpan(0, scratchLength)
            : (rented = ArrayPool<double>.Shared.Rent(scratchLength)).AsSpan(0, scratchLength);
        try
        {
            return ValueAndGradient(data, p, gradient, scratch);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    private static double ValueAndGradient(GmmData data, double[] p, double[] gradient, Span<double> scratch)
    {
        int d = data.D, K = data.K, n = data.N, icfLength = data.IcfLength, lowerLength = icfLength - d;
        double gammaSquared = data.Gamma * data.Gamma, m = data.M;

        ReadOnlySpan<double> alphas = p.AsSpan(0, K);
        ReadOnlySpan<double> means = p.AsSpan(data.MeansOffset, K * d);
        ReadOnlySpan<double> icf = p.AsSpan(data.IcfOffset, K * icfLength);
        // A plain loop: a vectorized clear can leave the vector registers' upper halves dirty, and the C library's exp
        // called next then stalls on every SSE instruction (see ExprAD's ScalarMemory).
        for (int k = 0; k < gradient.Length; k++) gradient[k] = 0;
        Span<double> alphasGradient = gradient.AsSpan(0, K);
        Span<double> meansGradient = gradient.AsSpan(data.MeansOffset, K * d);
        Span<double> icfGradient = gradient.AsSpan(data.IcfOffset, K * icfLength);

        Span<double> diagonals = scratch.Slice(0, K * d);          // exp(q_k), the diagonal of Q_k
        Span<double> differences = scratch.Slice(K * d, K * d);    // y = x_i - mu_k for the current point
        Span<double> transformed = scratch.Slice(2 * K * d, K * d); // z = Q_k y for the current point
        Span<double> sumsQ = scratch.Slice(3 * K * d, K);          // sum of q_k: log det Q_k
        Span<double> weights = scratch.Slice(3 * K * d + K, K);    // main terms, then their exponentials

        // The diagonal of Q_k does not depend on the point: exponentiate once per call.
        for (int k = 0; k < K; k++)
        {
            double sumQ = 0;
            for (int r = 0; r < d; r++)
            {
                double q = icf[k * icfLength + r];
                diagonals[k * d + r] = Math.Exp(q);
                sumQ += q;
            }
            sumsQ[k] = sumQ;
        }

        ReadOnlySpan<double> points = RowMajor(data.X);
        double dataTerm = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> point = points.Slice(i * d, d);

            // ---- Forward: main_k = alpha_k + sum(q_k) - 0.5 ||Q_k (x_i - mu_k)||^2, keeping y and z. ----
            double max = double.NegativeInfinity;
            for (int k = 0; k < K; k++)
            {
                ReadOnlySpan<double> mean = means.Slice(k * d, d);
                ReadOnlySpan<double> lower = icf.Slice(k * icfLength + d, lowerLength);
                ReadOnlySpan<double> diagonal = diagonals.Slice(k * d, d);
                Span<double> y = differences.Slice(k * d, d);
                Span<double> z = transformed.Slice(k * d, d);
                for (int r = 0; r < d; r++)
                {
                    y[r] = point[r] - mean[r];
                    z[r] = diagonal[r] * y[r];
                }
                int position = 0;
                for (int c = 0; c < d - 1; c++)
                {
                    // Column c of the strict lower part: rows c+1 .. d-1, contiguous in l.
                    double yc = y[c];
                    ReadOnlySpan<double> column = lower.Slice(position, d - 1 - c);
                    Span<double> below = z.Slice(c + 1);
                    for (int j = 0; j < column.Length; j++)
                    {
                        below[j] += column[j] * yc;
                    }
                    position += column.Length;
                }
                double squaredNorm = 0;
                for (int r = 0; r < d; r++)
                {
                    squaredNorm += z[r] * z[r];
                }
                double main = alphas[k] + sumsQ[k] - 0.5 * squaredNorm;
                weights[k] = main;
                if (main > max)
                {
                    max = main;
                }
            }
            double sum = 0;
            for (int k = 0; k < K; k++)
            {
                double e = Math.Exp(weights[k] - max);
                weights[k] = e;
                sum += e;
            }
            dataTerm += max + Math.Log(sum);

            // ---- Reverse: the adjoint of main_k is its softmax weight w_k. ----
            double inverseSum = 1.0 / sum;
            for (int k = 0; k < K; k++)
            {
                double w = weights[k] * inverseSum;
                // d main / d alpha_k = d main / d sum(q_k) = 1: the alphas' slot collects sum_i w_ik for both,
                // and the q part is applied once at the end.
                alphasGradient[k] += w;

                ReadOnlySpan<double> lower = icf.Slice(k * icfLength + d, lowerLength);
                ReadOnlySpan<double> diagonal = diagonals.Slice(k * d, d);
                ReadOnlySpan<double> y = differences.Slice(k * d, d);
                ReadOnlySpan<double> z = transformed.Slice(k * d, d);
                Span<double> meanGradient = meansGradient.Slice(k * d, d);
                // Until the end this slot holds the adjoint of exp(q_k), not of q_k.
                Span<double> diagonalGradient = icfGradient.Slice(k * icfLength, d);
                Span<double> lowerGradient = icfGradient.Slice(k * icfLength + d, lowerLength);

                // The adjoint of z is -w z. Q[r,c] gets -w z_r y_c; y_c gets -w (Q^T z)_c, and mu_c the opposite.
                int position = 0;
                for (int c = 0; c < d; c++)
                {
                    double scaledY = w * y[c];
                    double transposedProduct = diagonal[c] * z[c];
                    diagonalGradient[c] -= z[c] * scaledY;
                    ReadOnlySpan<double> column = lower.Slice(position, d - 1 - c);
                    Span<double> columnGradient = lowerGradient.Slice(position, d - 1 - c);
                    ReadOnlySpan<double> below = z.Slice(c + 1);
                    for (int j = 0; j < column.Length; j++)
                    {
                        columnGradient[j] -= below[j] * scaledY;
                        transposedProduct += column[j] * below[j];
                    }
                    position += column.Length;
                    meanGradient[c] += w * transposedProduct;
                }
            }
        }

        // ---- The terms that do not depend on the points: -n logsumexp(alpha) and the Wishart prior. ----
        double alphaMax = double.NegativeInfinity;
        for (int k = 0; k < K; k++)
        {
            alphaMax = Math.Max(alphaMax, alphas[k]);
        }
        double alphaSum = 0;
        for (int k = 0; k < K; k++)
        {
            alphaSum += Math.Exp(alphas[k] - alphaMax);
        }
        double alphaLogSumExp = alphaMax + Math.Log(alphaSum);

        double prior = 0;
        for (int k = 0; k < K; k++)
        {
            double dataWeight = alphasGradient[k];
            alphasGradient[k] = dataWeight - n * Math.Exp(alphas[k] - alphaLogSumExp);

            ReadOnlySpan<double> diagonal = diagonals.Slice(k * d, d);
            ReadOnlySpan<double> lower = icf.Slice(k * icfLength + d, lowerLength);
            Span<double> diagonalGradient = icfGradient.Slice(k * icfLength, d);
            Span<double> lowerGradient = icfGradient.Slice(k * icfLength + d, lowerLength);
            double diagonalSquares = 0, lowerSquares = 0;
            for (int r = 0; r < d; r++)
            {
                double e = diagonal[r];
                diagonalSquares += e * e;
                // Chain rule through exp, the data's sum(q_k) term, and the prior's 0.5 gamma^2 e^2 - m q.
                diagonalGradient[r] = diagonalGradient[r] * e + dataWeight + gammaSquared * e * e - m;
            }
            for (int j = 0; j < lowerLength; j++)
            {
                lowerSquares += lower[j] * lower[j];
                lowerGradient[j] += gammaSquared * lower[j];
            }
            prior += 0.5 * gammaSquared * (diagonalSquares + lowerSquares) - m * sumsQ[k];
        }

        return Constant(data) + dataTerm - n * alphaLogSumExp + prior;
    }

    /// <summary>
    /// The part of the objective that depends on neither the parameters nor the points' values:
    /// -n d/2 log(2 pi) - K C, with C = N d (log gamma - log(2)/2) - log Gamma_d(N/2) and N = d + m + 1.
    /// </summary>
    public static double Constant(GmmData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.D;
        double wishartN = d + data.M + 1;
        double c = wishartN * d * (Math.Log(data.Gamma) - 0.5 * Math.Log(2.0)) - LogGammaD(0.5 * wishartN, d);
        return -0.5 * data.N * d * Math.Log(2.0 * Math.PI) - data.K * c;
    }

    /// <summary>
    /// Log of the multivariate gamma function: log Gamma_d(a) = d(d-1)/4 log(pi) + sum_{j=1..d} lgamma(a + (1-j)/2).
    /// </summary>
    /// <param name="a">Argument; a &gt; (d-1)/2.</param>
    /// <param name="d">Dimension.</param>
    public static double LogGammaD(double a, int d)
    {
        double sum = 0.25 * d * (d - 1) * Math.Log(Math.PI);
        for (int j = 1; j <= d; j++)
        {
            sum += LogGamma(a + 0.5 * (1 - j));
        }
        return sum;
    }

    /// <summary>
    /// log Gamma(x) for x &gt; 0, to about 1e-15 relative (1e-14 absolute near the zeros at 1 and 2):
    /// the recurrence Gamma(x) = Gamma(x + s) / (x (x+1) ... (x+s-1)) moves x to at least 15, where
    /// Stirling's series with seven terms is exact to double precision. .NET has no lgamma.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="x"/> is not positive and finite.</exception>
    public static double LogGamma(double x)
    {
        if (!(x > 0) || double.IsInfinity(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma is implemented for positive finite arguments only.");
        }
        double product = 1;
        while (x < 15)
        {
            product *= x;
            x += 1;
        }
        // Stirling: (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1)). At x = 15 the
        // first omitted term (B_16) is below 1e-19.
        double inverse = 1.0 / x, inverseSquared = inverse * inverse;
        double series = inverse * (1.0 / 12 - inverseSquared * (1.0 / 360 - inverseSquared * (1.0 / 1260
            - inverseSquared * (1.0 / 1680 - inverseSquared * (1.0 / 1188 - inverseSquared * (691.0 / 360360
            - inverseSquared * (1.0 / 156)))))));
        double stirling = (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2.0 * Math.PI) + series;
        return stirling - Math.Log(product);
    }

    // logsumexp with the maximum subtracted first, as the objective writes it.
    private static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (v > max)
            {
                max = v;
            }
        }
        double sum = 0;
        foreach (double v in values)
        {
            sum += Math.Exp(v - max);
        }
        return max + Math.Log(sum);
    }

    // A multidimensional array is one row-major block; viewing it as a span lets the hot loop slice rows
    // instead of paying the two-index bounds checks of x[i, r].
    private static ReadOnlySpan<double> RowMajor(double[,] matrix) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(matrix)), matrix.Length);

    private static void CheckLengths(GmmData data, double[] p, double[]? gradient)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(p);
        if (p.Length != data.ParameterCount)
        {
            throw new ArgumentException($"p has {p.Length} entries; this problem has {data.ParameterCount} parameters.", nameof(p));
        }
        if (gradient is not null && gradient.Length != p.Length)
        {
            throw new ArgumentException($"gradient has {gradient.Length} entries; expected {p.Length}.", nameof(gradient));
        }
    }
}
