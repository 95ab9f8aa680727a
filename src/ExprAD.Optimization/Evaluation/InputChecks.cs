using System.Linq.Expressions;

namespace ExprAD.Optimization.Evaluation;

/// <summary>Checks done before any solver starts, so bad input fails fast with a message instead of deep inside a solver.</summary>
internal static class InputChecks
{
    public static void StartingPoint(double[]? x0)
    {
        ArgumentNullException.ThrowIfNull(x0);
        if (x0.Length == 0) throw new ArgumentException("x0 must have at least one entry.", nameof(x0));
        for (var i = 0; i < x0.Length; i++)
            if (!double.IsFinite(x0[i]))
                throw new ArgumentException($"x0[{i}] is {x0[i]}; the starting point must be finite.", nameof(x0));
    }

    /// <summary>
    /// A function that reads x[k] at a constant k needs more than k entries: said here, naming both, rather than as the
    /// IndexOutOfRangeException the first evaluation would throw. Computed indices are the function's own business.
    /// </summary>
    public static void Reads(LambdaExpression f, double[] x0)
    {
        var largest = LargestConstantIndex.In(f);
        if (largest >= x0.Length)
            throw new ArgumentException($"The function reads {f.Parameters[0].Name}[{largest}], but x0 has {x0.Length} entries: "
                + $"give x0 one entry per parameter (at least {largest + 1}).", nameof(x0));
    }

    private sealed class LargestConstantIndex(ParameterExpression x) : ExpressionVisitor
    {
        private int _largest = -1;

        public static int In(LambdaExpression f)
        {
            var finder = new LargestConstantIndex(f.Parameters[0]);
            finder.Visit(f.Body);
            return finder._largest;
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.NodeType == ExpressionType.ArrayIndex && node.Left == x && node.Right is ConstantExpression { Value: int k })
                _largest = Math.Max(_largest, k);
            return base.VisitBinary(node);
        }

        protected override Expression VisitIndex(IndexExpression node)
        {
            if (node.Object == x && node.Arguments is [ConstantExpression { Value: int k }]) _largest = Math.Max(_largest, k);
            return base.VisitIndex(node);
        }
    }

    public static void Options(OptimizationOptions? options, int n)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxIterations < 0) throw new ArgumentException($"MaxIterations ({options.MaxIterations}) must be >= 0.", nameof(options));
        if (options.LBfgsMemory < 1) throw new ArgumentException($"LBfgsMemory ({options.LBfgsMemory}) must be >= 1.", nameof(options));
        foreach (var (tolerance, name) in new[] { (options.GradientTolerance, "GradientTolerance"), (options.StepTolerance, "StepTolerance"), (options.FunctionTolerance, "FunctionTolerance") })
            if (!(tolerance >= 0)) throw new ArgumentException($"{name} ({tolerance}) must be >= 0.", nameof(options));
        Bounds(options.LowerBounds, n, "LowerBounds");
        Bounds(options.UpperBounds, n, "UpperBounds");
        if (options.LowerBounds is { } lo && options.UpperBounds is { } hi)
            for (var i = 0; i < n; i++)
                if (!(lo[i] <= hi[i]))
                    throw new ArgumentException($"LowerBounds[{i}] ({lo[i]}) must not exceed UpperBounds[{i}] ({hi[i]}).", nameof(options));
    }

    private static void Bounds(double[]? bounds, int n, string name)
    {
        if (bounds is null) return;
        if (bounds.Length != n)
            throw new ArgumentException($"{name}.Length ({bounds.Length}) must equal x0.Length ({n}).", "options");
        for (var i = 0; i < n; i++)
            if (double.IsNaN(bounds[i])) throw new ArgumentException($"{name}[{i}] is NaN.", "options");
    }
}
