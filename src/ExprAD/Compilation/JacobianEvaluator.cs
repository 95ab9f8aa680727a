using System.Linq.Expressions;
using ExprAD.Vector;

namespace ExprAD.Compilation;

/// <summary>
/// The compiled Jacobian of a vector function F: R^n -> R^m. The number of inputs n is known only at
/// call time (it is x.Length), so the mode is picked per call: forward mode (n tangent sweeps over
/// all outputs at once) when m &gt; n, reverse mode (m gradients) otherwise. Each mode is compiled the
/// first time it is needed; forward mode is compiled up front because building it checks the whole tree.
/// </summary>
internal sealed class JacobianEvaluator
{
    // Known from the body for an array initializer; for a function that fills an array, only at call time (values.Length).
    private readonly int? _outputs;
    private readonly JacobianColumnFunc _forward;
    private readonly Lazy<JacobianRowsFunc> _reverse;

    // Scratch vectors per thread: a steady-state call allocates nothing, and threads never share them.
    [ThreadStatic] private static double[]? t_direction;
    [ThreadStatic] private static double[]? t_column;

    public JacobianEvaluator(Expression<Func<double[], double[]>> f)
    {
        _outputs = VectorBody.HasInitializer(f.Body) ? VectorBody.OutputCount(f.Body) : null;
        _forward = JacobianPipelines.Forward(f).Compile();
        _reverse = new Lazy<JacobianRowsFunc>(() => JacobianPipelines.Reverse(f).Compile(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Forward mode when it takes fewer sweeps than reverse mode.</summary>
    public static bool PrefersForward(int outputs, int inputs) => outputs > inputs;

    public void Evaluate(double[] x, double[] values, double[,] jacobian)
    {
        Check(x, values, jacobian);
        var n = x.Length;
        if (PrefersForward(values.Length, n)) EvaluateForward(x, values, jacobian, n);
        else _reverse.Value(x, values, jacobian, Scratch.Of(ref t_direction, n));
    }

    private void EvaluateForward(double[] x, double[] values, double[,] jacobian, int n)
    {
        var direction = Scratch.Of(ref t_direction, n);
        var m = values.Length;
        var column = Scratch.Of(ref t_column, m);
        ScalarMemory.Clear(direction);
        for (var j = 0; j < n; j++)
        {
            direction[j] = 1;
            _forward(x, direction, values, column);
            direction[j] = 0;
            for (var i = 0; i < m; i++) jacobian[i, j] = column[i];
        }
        if (n == 0) _forward(x, direction, values, column); // still write the values
    }

    /// <summary>Called by the forward-mode tree of a function that fills an array: its values and tangents.</summary>
    public static void CopyOutputs(double[] result, double[] tangents, double[] values, double[] column)
    {
        CopyValues(result, values);
        ScalarMemory.Copy(tangents, 0, column, 0, tangents.Length);
    }

    /// <summary>The function's array into the caller's values, which must have the same length.</summary>
    public static void CopyValues(double[] result, double[] values)
    {
        if (result.Length != values.Length)
            throw new ArgumentException($"values.Length ({values.Length}) must equal the length of the array the function returns ({result.Length}).", nameof(values));
        ScalarMemory.Copy(result, 0, values, 0, result.Length);
    }

    /// <summary>Reverse mode for a function that fills an array: one seeded sweep per row.</summary>
    public static void EveryRow(Action<double[], int, double[], double[]> rowKernel, double[] x, double[] values, double[,] jacobian, double[] row)
    {
        for (var k = 0; k < values.Length; k++)
        {
            rowKernel(x, k, values, row);
            CopyRow(row, jacobian, k);
        }
    }

    /// <summary>Called by the reverse-mode tree after each output's gradient.</summary>
    public static void CopyRow(double[] row, double[,] jacobian, int i)
    {
        for (var j = 0; j < row.Length; j++) jacobian[i, j] = row[j];
    }

    private void Check(double[] x, double[] values, double[,] jacobian)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(jacobian);
        if (_outputs is { } m && values.Length != m)
            throw new ArgumentException($"values.Length ({values.Length}) must equal the number of outputs of the function ({m}).", nameof(values));
        if (jacobian.GetLength(0) != values.Length || jacobian.GetLength(1) != x.Length)
            throw new ArgumentException(
                $"jacobian is {jacobian.GetLength(0)}-by-{jacobian.GetLength(1)}; it must be {values.Length}-by-{x.Length} (outputs by x.Length).", nameof(jacobian));
    }
}
