using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Differentiation;

namespace ExprAD.Compilation;

/// <summary>Forward mode: lower, translate, insert tangents (same rule table as reverse mode), emit.</summary>
internal static class DirectionalPipeline
{
    /// <param name="f">The function.</param>
    /// <param name="forCompiling">The tree will only be compiled (local arrays are then reused between calls).</param>
    public static Expression<DirectionalDerivativeFunc> Run(Expression<Func<double[], double>> f, bool forCompiling = false)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var (builder, x, input, result) = FrontEnd.Run(f);
            var direction = Expression.Parameter(typeof(double[]), "direction");
            var tangent = TangentSweep.Run(builder, input, builder.Input(direction), result) ?? builder.Double(0);
            var emitted = IrEmitter.Run(gradient: null, [builder.Prologue, builder.Root], tangent, forCompiling);
            var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForDirection))!, x, direction);
            return Expression.Lambda<DirectionalDerivativeFunc>(emitted.ToBody(checks), f.Name, [x, direction]);
        });
}
