using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Differentiation;

namespace ExprAD.Compilation;

/// <summary>
/// The gradient pipeline, in the order it runs: lower the tree, translate it into SSA form (simplifying
/// and sharing as it goes), build the reverse sweep from the rule table, and emit one expression tree:
/// argument checks and gradient zeroed, forward sweep, reverse sweep, return the value. When the first code
/// to write the gradient is a loop that stores its entries (<see cref="GradientWindows.WriteFirst"/>), the
/// gradient is not zeroed on entry: that loop zeroes what it does not store.
/// </summary>
internal static class GradientPipeline
{
    /// <param name="f">The function.</param>
    /// <param name="forCompiling">The tree will only be compiled (local arrays are then reused between calls, see <see cref="IrEmitter"/>).</param>
    /// <param name="outlineAbove">Overrides the size from which loop nests of compiled-only code are compiled apart (<see cref="LoopOutlining"/>), for tests.</param>
    /// <param name="startStateReplays">False builds without start-state replays (<c>ReverseSweep.StartStateReplays</c>), for tests that compare.</param>
    public static Expression<GradientFunc> Run(Expression<Func<double[], double>> f, bool forCompiling = false, int? outlineAbove = null,
        bool startStateReplays = true)
        => StackGuard.RunWithDeepStackFallback(() => ReverseSweep.WithStartStateFallback(replays =>
            {
                var (builder, x, _, result) = FrontEnd.Run(f);
                var gradient = Expression.Parameter(typeof(double[]), "gradient");
                var reverse = ReverseSweep.Run(builder, result, replays);
                var writesFirst = GradientWindows.WriteFirst(builder, builder.Root);
                var emitted = IrEmitter.Run(gradient, [builder.Prologue, builder.Root, reverse], result, forCompiling);
                if (forCompiling && outlineAbove is not null) emitted = emitted with { OutlineAbove = outlineAbove };
                var check = writesFirst ? nameof(ArgumentChecks.ForGradient) : nameof(ArgumentChecks.ForGradientAndZero);
                Expression checks = Expression.Call(typeof(ArgumentChecks).GetMethod(check)!, x, gradient);
                if (writesFirst && forCompiling) checks = CalledOnlyWhenBad(checks, x, gradient);
                return Expression.Lambda<GradientFunc>(emitted.ToBody(checks), f.Name, [x, gradient]);
            }, startStateReplays));

    /// <summary>
    /// <c>if (x == null || gradient == null || gradient.Length != x.Length || x == gradient) check(x, gradient);</c>:
    /// the same exceptions, and no call on the good path, where on a 10-input function the call was a
    /// measurable part of the time (the JIT does not inline it).
    /// </summary>
    private static Expression CalledOnlyWhenBad(Expression check, ParameterExpression x, ParameterExpression gradient)
    {
        var none = Expression.Constant(null, typeof(double[]));
        var bad = Expression.OrElse(Expression.ReferenceEqual(x, none),
            Expression.OrElse(Expression.ReferenceEqual(gradient, none),
                Expression.OrElse(Expression.NotEqual(Expression.ArrayLength(gradient), Expression.ArrayLength(x)),
                    Expression.ReferenceEqual(x, gradient))));
        return Expression.IfThen(bad, check);
    }
}
