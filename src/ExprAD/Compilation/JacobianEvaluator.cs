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
    private readonly int _outputs;
    private readonly JacobianColumnFunc _forward;
    private readonly Lazy<JacobianRowsFunc> _reverse;

    // Scratch vectors per thread: a steady-state call allocates nothing, and threads never share them.
    [ThreadStatic] private static double[]? t_direction;
    [ThreadStatic] private static double[]? t_column;

    public JacobianEvaluator(Expression<Func<double[], double[]>> f)
    {
        _outputs = VectorBody.OutputCount(f.Body);
        _forward = JacobianPipelines.Forward(f).Compile();
        _reverse = new Lazy<JacobianRowsFunc>(() => JacobianPipelines.Reverse(f).Compile(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Forward mode when it takes fewer sweeps than reverse mode.</summary>
    public static bool PrefersForward(int outputs, int inputs) => outputs > inputs;

    public void Evaluate(double[] x, double[] values, double[,] jacobian)
    {
        Check(x, values, jacobian);
        var n = x.Length;
        if (PrefersForward(_outputs, n)) EvaluateForward(x, values, jacobian, n);
        else _reverse.Value(x, values, jacobian, Scratch(ref t_direction, n));
    }

    private void EvaluateForward(double[] x, double[] values, double[,] jacobian, int n)
    {
        var direction = Scratch(ref t_direction, n);
        var column = Scratch(ref t_column, _outputs);
        Array.Clear(direction);
        for (var j = 0; j < n; j++)
        {
            direction[j] = 1;
            _forward(x, direction, values, column);
            direction[j] = 0;
            for (var i = 0; i < _outputs; i++) jacobian[i, j] = column[i];
        }
        if (n == 0) _forward(x, direction, values, column); // still write the values
    }

    /// <summary>Called by the reverse-mode tree after each output's gradient.</summary>
    public static void CopyRow(double[] row, double[,] jacobian, int i)
    {
        for (var j = 0; j < row.Length; j++) jacobian[i, j] = row[j];
    }

    private static double[] Scratch(ref double[]? cached, int length)
    {
        if (cached is null || cached.Length != length) cached = new double[length];
        return cached;
    }

    private void Check(double[] x, double[] values, double[,] jacobian)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(jacobian);
        if (values.Length != _outputs)
            throw new ArgumentException($"values.Length ({values.Length}) must equal the number of outputs of the function ({_outputs}).", nameof(values));
        if (jacobian.GetLength(0) != _outputs || jacobian.GetLength(1) != x.Length)
            throw new ArgumentException(
                $"jacobian is {jacobian.GetLength(0)}-by-{jacobian.GetLength(1)}; it must be {_outputs}-by-{x.Length} (outputs by x.Length).", nameof(jacobian));
    }
}
