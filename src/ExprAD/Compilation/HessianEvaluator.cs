using System.Linq.Expressions;

namespace ExprAD.Compilation;

/// <summary>
/// The Hessian as n Hessian-vector products along the unit vectors: column j is H e_j, and the slope
/// along e_j is gradient entry j, so one kernel gives value, gradient and Hessian. Rounding can make
/// H[i, j] and H[j, i] differ in the last bits (they come from different sweeps); the result is
/// symmetrized by averaging, so callers get an exactly symmetric matrix.
/// </summary>
internal sealed class HessianEvaluator(Expression<Func<double[], double>> f)
{
    private readonly HessianVectorKernel _kernel = HessianVectorPipeline.Run(f).Compile();

    // Scratch vectors per thread: a steady-state call allocates nothing, and threads never share them.
    [ThreadStatic] private static double[]? t_direction;
    [ThreadStatic] private static double[]? t_column;
    [ThreadStatic] private static double[]? t_slope;

    public double Evaluate(double[] x, double[] gradient, double[,] hessian)
    {
        Check(x, gradient, hessian);
        var n = x.Length;
        var direction = Scratch.Of(ref t_direction, n);
        var column = Scratch.Of(ref t_column, n);
        var slope = Scratch.Of(ref t_slope, 1);
        ScalarMemory.Clear(direction);
        var value = 0.0;
        for (var j = 0; j < n; j++)
        {
            direction[j] = 1;
            value = _kernel(x, direction, column, slope);
            direction[j] = 0;
            gradient[j] = slope[0];
            for (var i = 0; i < n; i++) hessian[i, j] = column[i];
        }
        if (n == 0) value = _kernel(x, direction, column, slope);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++)
                hessian[i, j] = hessian[j, i] = 0.5 * (hessian[i, j] + hessian[j, i]);
        return value;
    }

    private static void Check(double[] x, double[] gradient, double[,] hessian)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(hessian);
        if (gradient.Length != x.Length)
            throw new ArgumentException($"gradient.Length ({gradient.Length}) must equal x.Length ({x.Length}).", nameof(gradient));
        if (hessian.GetLength(0) != x.Length || hessian.GetLength(1) != x.Length)
            throw new ArgumentException($"hessian is {hessian.GetLength(0)}-by-{hessian.GetLength(1)}; it must be {x.Length}-by-{x.Length} (x.Length squared).", nameof(hessian));
    }
}
