using System.Collections.Concurrent;
using System.Linq.Expressions;
using ExprAD.Vector;

namespace ExprAD.Compilation;

/// <summary>
/// The compiled Jacobian of a vector function F: R^n -> R^m. The number of inputs n is known only at
/// call time (it is x.Length), so the mode is picked per call: forward mode (tangent sweeps over all outputs at once,
/// each carrying up to <see cref="MaxBlockWidth"/> directions) when m &gt; n, reverse mode (m gradients) otherwise. Each mode is compiled the
/// first time it is needed; forward mode with one direction is compiled up front because building it checks the whole tree.
/// </summary>
internal sealed class JacobianEvaluator
{
    // Known from the body for an array initializer; for a function that fills an array, only at call time (values.Length).
    private readonly int? _outputs;
    private readonly Lazy<JacobianRowsFunc> _reverse;

    // Scratch vectors per thread: a steady-state call allocates nothing, and threads never share them.
    [ThreadStatic] private static double[]? t_row;
    [ThreadStatic] private static double[][]? t_directions;

    /// <summary>
    /// The most directions one forward pass carries: the tangent code grows with it. 16 covers the curve fits least squares
    /// sees in one pass (10 parameters: 80 us in one pass, 128 us in two passes of 5, TallJacobianBenchmarks).
    /// </summary>
    public const int MaxBlockWidth = 16;

    private readonly Expression<Func<double[], double[]>> _f;
    private readonly ConcurrentDictionary<int, Lazy<JacobianBlockFunc>> _blocks = new();

    public JacobianEvaluator(Expression<Func<double[], double[]>> f)
    {
        _f = f;
        _outputs = VectorBody.HasInitializer(f.Body) ? VectorBody.OutputCount(f.Body) : null;
        _blocks[1] = new Lazy<JacobianBlockFunc>(JacobianPipelines.ForwardBlock(f, 1).Compile());
        _reverse = new Lazy<JacobianRowsFunc>(() => JacobianPipelines.Reverse(f).Compile(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// How many directions a pass carries for <paramref name="n"/> columns: the fewest passes of at most
    /// <see cref="MaxBlockWidth"/>, evened out (20 columns: two passes of 10, not 16 and 4).
    /// </summary>
    public static int BlockWidth(int n)
    {
        if (n <= 1) return 1;
        var passes = (n + MaxBlockWidth - 1) / MaxBlockWidth;
        return (n + passes - 1) / passes;
    }

    /// <summary>Forward mode when it takes fewer sweeps than reverse mode.</summary>
    public static bool PrefersForward(int outputs, int inputs) => outputs > inputs;

    public void Evaluate(double[] x, double[] values, double[,] jacobian)
    {
        Check(x, values, jacobian);
        var n = x.Length;
        if (PrefersForward(values.Length, n)) EvaluateForward(x, values, jacobian, n);
        else _reverse.Value(x, values, jacobian, Scratch.Of(ref t_row, n));
    }

    /// <summary>
    /// The columns in blocks of <see cref="BlockWidth"/> unit directions, one forward pass per block writing its columns of the
    /// Jacobian; a last, narrower block carries zero directions, whose columns do not exist and are not written.
    /// </summary>
    private void EvaluateForward(double[] x, double[] values, double[,] jacobian, int n)
    {
        var width = BlockWidth(n);
        var kernel = Block(width);
        var directions = t_directions is { } cached && cached.Length == width && cached[0].Length == n ? cached : null;
        if (directions is null)
        {
            directions = new double[width][];
            for (var k = 0; k < width; k++) directions[k] = new double[n];
            t_directions = directions;
        }
        // Cleared first, as the one-direction path does: a call that threw (the function's own exception) may have left a 1.
        foreach (var direction in directions) ScalarMemory.Clear(direction);
        // first < max(n, 1): with no inputs, one pass still writes the values.
        for (var first = 0; first < Math.Max(n, 1); first += width)
        {
            var count = Math.Min(width, n - first);
            for (var k = 0; k < count; k++) directions[k][first + k] = 1;
            kernel(x, directions, values, jacobian, first);
            for (var k = 0; k < count; k++) directions[k][first + k] = 0;
        }
    }

    /// <summary>The forward kernel carrying <paramref name="width"/> directions, compiled the first time a call needs it (once per width).</summary>
    private JacobianBlockFunc Block(int width)
    {
        // Looked up first without a factory: a factory capturing this would be allocated on every call.
        if (_blocks.TryGetValue(width, out var compiled)) return compiled.Value;
        return _blocks.GetOrAdd(width, w => new Lazy<JacobianBlockFunc>(() => JacobianPipelines.ForwardBlock(_f, w).Compile(),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>Called by the forward block of a function that fills an array: a tangent array into its column (none past the last).</summary>
    public static void CopyColumn(double[] tangents, double[,] jacobian, int column)
    {
        if (column >= jacobian.GetLength(1)) return;
        for (var i = 0; i < tangents.Length; i++) jacobian[i, column] = tangents[i];
    }

    /// <summary>Called by the forward block of an array initializer: one entry (none past the last column).</summary>
    public static void Store(double[,] jacobian, int row, int column, double value)
    {
        if (column < jacobian.GetLength(1)) jacobian[row, column] = value;
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
