using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// The extended (chained) Rosenbrock function, sum over i &lt; n - 1 of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,
/// in three forms that must agree: the LINQ expression tree <see cref="Definition"/> (what ExprAD sees), the
/// plain C# loop <see cref="Value"/>, and the hand-written reverse-mode gradient <see cref="ValueAndGradient"/>.
/// The dimension is the length of the input, so one definition serves every size.
/// </summary>
/// <remarks>
/// Compiled into both the benchmark project and the test project, so the tests guard exactly the code that
/// is benchmarked.
/// </remarks>
public static class ExtendedRosenbrock
{
    /// <summary>Number of inputs in the benchmarks.</summary>
    public const int BenchmarkDimension = 10_000;

    /// <summary>
    /// The function as a scientist would write it: one LINQ sum over the n - 1 neighbouring pairs, the residual
    /// written out twice rather than squared through a helper.
    /// </summary>
    public static readonly Expression<Func<double[], double>> Definition = x =>
        Enumerable.Range(0, x.Length - 1).Sum(i =>
            100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]));

    /// <summary>The same function as a plain loop, term for term and in the same order as <see cref="Definition"/>.</summary>
    /// <param name="x">Inputs, any length (fewer than two give 0).</param>
    public static double Value(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double residual = x[i + 1] - x[i] * x[i];
            double offset = 1 - x[i];
            sum += 100 * residual * residual + offset * offset;
        }
        return sum;
    }

    /// <summary>
    /// Hand-written reverse mode: returns f(x) and overwrites every entry of <paramref name="g"/>. One fused
    /// pass: term i touches only x[i] and x[i+1], so g[i] is complete once term i is done, and the part of
    /// g[i+1] that term i contributes is carried to the next iteration in a register. No allocations.
    /// </summary>
    /// <param name="x">Inputs, any length.</param>
    /// <param name="g">Receives the gradient; same length as <paramref name="x"/>.</param>
    public static double ValueAndGradient(double[] x, double[] g)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(g);
        if (g.Length != x.Length)
        {
            throw new ArgumentException($"g has {g.Length} entries, x has {x.Length}.", nameof(g));
        }
        if (x.Length < 2)
        {
            // A plain loop: a vectorized clear can leave the vector registers' upper halves dirty, and the C library's exp
            // called next then stalls on every SSE instruction (see ExprAD's ScalarMemory).
            for (int k = 0; k < g.Length; k++) g[k] = 0;
            return 0;
        }

        double sum = 0;
        // d(term i-1)/dx[i], carried from the previous iteration.
        double carried = 0;
        double current = x[0];
        int last = x.Length - 1;
        for (int i = 0; i < last; i++)
        {
            double next = x[i + 1];
            double residual = next - current * current;
            double offset = 1 - current;
            sum += 100 * residual * residual + offset * offset;

            // d/dx[i] of 100 r^2 + o^2 with r = x[i+1] - x[i]^2, o = 1 - x[i]: 200 r (-2 x[i]) - 2 o.
            g[i] = carried - 400 * residual * current - 2 * offset;
            // d/dx[i+1]: 200 r.
            carried = 200 * residual;
            current = next;
        }
        g[last] = carried;
        return sum;
    }

    /// <summary>
    /// A deterministic point near the minimum (all ones): each coordinate is 1 plus a uniform perturbation in
    /// [-<paramref name="spread"/>, <paramref name="spread"/>], so every term is of order one.
    /// </summary>
    /// <param name="dimension">Number of inputs.</param>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    /// <param name="spread">Largest perturbation.</param>
    public static double[] CreatePoint(int dimension, int seed, double spread = 0.1)
    {
        var random = new Random(seed);
        var point = new double[dimension];
        for (int i = 0; i < point.Length; i++)
        {
            point[i] = 1 + spread * (2 * random.NextDouble() - 1);
        }
        return point;
    }
}
