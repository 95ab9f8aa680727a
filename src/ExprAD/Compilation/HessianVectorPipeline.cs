using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Differentiation;

namespace ExprAD.Compilation;

/// <summary>
/// Hessian-vector products by reverse over forward: the tangent sweep turns f into
/// s(x) = &lt;grad f(x), v&gt; (v is data, not differentiated), and the reverse sweep of s gives
/// grad s = H v, all in one SSA form and one compiled tree. Costs a small constant times f,
/// whatever the number of inputs.
/// </summary>
internal static class HessianVectorPipeline
{
    /// <summary>(x, direction, product, slope) => f(x); product = H direction; slope[0] = &lt;grad f(x), direction&gt;.</summary>
    public static Expression<HessianVectorKernel> Run(Expression<Func<double[], double>> f)
        => StackGuard.RunWithDeepStackFallback(() => ReverseSweep.WithStartStateFallback(startStateReplays =>
            {
                var (builder, x, input, result) = FrontEnd.Run(f);
                var direction = Expression.Parameter(typeof(double[]), "direction");
                var product = Expression.Parameter(typeof(double[]), "product");
                var slope = Expression.Parameter(typeof(double[]), "slope");
                var tangent = TangentSweep.Run(builder, input, builder.Input(direction), result) ?? builder.Double(0);
                var reverse = ReverseSweep.Run(builder, tangent, startStateReplays);
                var emitted = IrEmitter.Run(product, [builder.Prologue, builder.Root, reverse], result, [tangent], reuseArrays: true);
                var checks = Expression.Block(
                    Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForDirection))!, x, direction),
                    Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForGradientAndZero))!, x, product));
                var body = emitted.ToBody(checks, outputs => [Expression.Assign(Expression.ArrayAccess(slope, Expression.Constant(0)), outputs[0])]);
                return Expression.Lambda<HessianVectorKernel>(body, f.Name, [x, direction, product, slope]);
            }));
}

/// <summary>Returns f(x), writes H direction into <paramref name="product"/> and &lt;grad f(x), direction&gt; into slope[0].</summary>
internal delegate double HessianVectorKernel(double[] x, double[] direction, double[] product, double[] slope);
