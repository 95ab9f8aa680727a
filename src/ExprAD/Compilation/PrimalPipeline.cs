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
            var (variables, statements, value) = IrEmitter.Run(x, gradient: null, [builder.Prologue, builder.Root], result);
            statements.Insert(0, Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForFunction))!, x));
            statements.Add(value);
            return Expression.Lambda<Func<double[], double>>(Expression.Block(typeof(double), variables, statements), f.Name, [x]);
        });
}
