using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// A simulation that updates its state in place, the way one writes it in C#: u starts as a copy of x, then
/// <see cref="Steps"/> Gauss-Seidel sweeps <c>for (i = 1; i &lt; n - 1; i++) u[i] += c (u[i-1] - 2 u[i] + sin(u[i+1]))</c>
/// (u[i-1] already updated in this sweep, u[i+1] not yet), and f = sum of u[i]^2. ExprAD differentiates it by keeping
/// a copy of u per sweep and taping the three reads of each point while it reverses a sweep; the hand-written gradient
/// keeps the same copies.
/// </summary>
public sealed class InPlaceSweeps
{
    public const double Rate = 0.1;
    public const int BenchmarkPoints = 1000;
    public const int BenchmarkSteps = 50;

    [ThreadStatic] private static double[]? _starts;

    public InPlaceSweeps(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        Steps = steps;
        Definition = Build(steps);
    }

    public int Steps { get; }

    /// <summary>The function as an expression tree of loops over a local array.</summary>
    public Expression<Func<double[], double>> Definition { get; }

    public static double[] CreatePoint(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
    }

    private static Expression<Func<double[], double>> Build(int steps)
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        var u = Expression.Variable(typeof(double[]), "u");
        var sum = Expression.Variable(typeof(double), "sum");
        var n = Expression.ArrayLength(x);
        Expression U(Expression index) => Expression.ArrayAccess(u, index);
        Expression Int(int value) => Expression.Constant(value);
        var sin = typeof(Math).GetMethod(nameof(Math.Sin))!;
        var body = Expression.Block([u, sum],
            Expression.Assign(u, Expression.NewArrayBounds(typeof(double), n)),
            ForLoops.For("i", Int(0), n, i => Expression.Assign(U(i), Expression.ArrayIndex(x, i))),
            ForLoops.For("t", Int(0), Int(steps), _ => ForLoops.For("i", Int(1), Expression.Subtract(n, Int(1)), i =>
                Expression.AddAssign(U(i), Expression.Multiply(Expression.Constant(Rate), Expression.Add(
                    Expression.Subtract(U(Expression.Subtract(i, Int(1))), Expression.Multiply(Expression.Constant(2.0), U(i))),
                    Expression.Call(sin, U(Expression.Add(i, Int(1))))))))),
            Expression.Assign(sum, Expression.Constant(0.0)),
            ForLoops.For("i", Int(0), n, i => Expression.AddAssign(sum, Expression.Multiply(U(i), U(i)))),
            sum);
        return Expression.Lambda<Func<double[], double>>(body, "InPlaceSweeps", [x]);
    }

    /// <summary>The function in plain C#.</summary>
    public double Value(double[] x)
    {
        var u = (double[])x.Clone();
        for (var t = 0; t < Steps; t++) Sweep(u);
        var sum = 0.0;
        foreach (var ui in u) sum += ui * ui;
        return sum;
    }

    private static void Sweep(Span<double> u)
    {
        for (var i = 1; i < u.Length - 1; i++) u[i] += Rate * (u[i - 1] - 2 * u[i] + Math.Sin(u[i + 1]));
    }

    /// <summary>
    /// Hand-written reverse mode, allocation-free in the steady state (the state copies live in a per-thread buffer;
    /// <paramref name="gradient"/> holds u, then its adjoint). Each sweep's start is kept; the reverse of a sweep walks i
    /// down, where the adjoint array holds the adjoint of each element's current version (u[i-1] updated, u[i] and
    /// u[i+1] not yet): u[i]'s adjoint a becomes a (1 - 2c), u[i-1] gets a c, and u[i+1] gets a c cos(u[i+1] at the start).
    /// </summary>
    public double ValueAndGradient(double[] x, double[] gradient)
    {
        int n = x.Length, steps = Steps;
        if (gradient.Length != n) throw new ArgumentException("gradient must have the length of x", nameof(gradient));
        var starts = _starts is { } cached && cached.Length >= steps * n ? cached : _starts = new double[Math.Max(1, steps * n)];
        var u = gradient.AsSpan();
        x.AsSpan().CopyTo(u);
        for (var t = 0; t < steps; t++)
        {
            u.CopyTo(starts.AsSpan(t * n, n));
            Sweep(u);
        }
        var value = 0.0;
        for (var i = 0; i < n; i++)
        {
            value += u[i] * u[i];
            u[i] *= 2;
        }
        for (var t = steps - 1; t >= 0; t--)
        {
            var start = starts.AsSpan(t * n, n);
            for (var i = n - 2; i >= 1; i--)
            {
                var a = u[i];
                u[i] = a * (1 - 2 * Rate);
                u[i - 1] += a * Rate;
                u[i + 1] += a * Rate * Math.Cos(start[i + 1]);
            }
        }
        return value;
    }
}
