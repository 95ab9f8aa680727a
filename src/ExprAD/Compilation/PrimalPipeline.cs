using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;
using ExprAD.Lowering;
using ExprAD.Translation;

namespace ExprAD.Compilation;

/// <summary>The function without derivatives: lower, translate (folding, CSE, hoisted loads), emit.</summary>
internal static class PrimalPipeline
{
    public static Expression<Func<double[], double>> Run(Expression<Func<double[], double>> f)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var x = f.Parameters[0];
            var builder = new IrBuilder();
            var (_, result) = IrTranslator.Run(builder, x, Lowerer.Run(f.Body));
            var emitted = IrEmitter.Run(gradient: null, [builder.Prologue, builder.Root], result);
            var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForFunction))!, x);
            return Expression.Lambda<Func<double[], double>>(emitted.ToBody(checks), f.Name, [x]);
        });
}
