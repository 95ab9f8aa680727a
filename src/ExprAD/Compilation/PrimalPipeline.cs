using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Compilation;

/// <summary>The function without derivatives: lower, translate (folding, CSE, hoisted loads), emit.</summary>
internal static class PrimalPipeline
{
    /// <param name="f">The function.</param>
    /// <param name="outlineAbove">Overrides the size from which loop nests are compiled apart (<see cref="LoopOutlining"/>), for tests.</param>
    public static Expression<Func<double[], double>> Run(Expression<Func<double[], double>> f, int? outlineAbove = null)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var (builder, x, _, result) = FrontEnd.Run(f);
            var emitted = IrEmitter.Run(gradient: null, [builder.Prologue, builder.Root], result, reuseArrays: true);
            if (outlineAbove is not null) emitted = emitted with { OutlineAbove = outlineAbove };
            var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForFunction))!, x);
            return Expression.Lambda<Func<double[], double>>(emitted.ToBody(checks), f.Name, [x]);
        });
}
