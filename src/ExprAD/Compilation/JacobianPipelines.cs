using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Differentiation;
using ExprAD.Ir;
using ExprAD.Lowering;
using ExprAD.Translation;
using ExprAD.Vector;

namespace ExprAD.Compilation;

/// <summary>Forward mode for a vector function: values, and the Jacobian times one direction (a column when the direction is a unit vector).</summary>
internal delegate void JacobianColumnFunc(double[] x, double[] direction, double[] values, double[] column);

/// <summary>Reverse mode for a vector function: values, and every row of the Jacobian, one output at a time.</summary>
internal delegate void JacobianRowsFunc(double[] x, double[] values, double[,] jacobian, double[] row);

/// <summary>The two ways to compile a Jacobian; <see cref="JacobianEvaluator"/> picks one per call.</summary>
internal static class JacobianPipelines
{
    /// <summary>
    /// One tree for all outputs, so they share every common value; the tangent sweep gives J * direction.
    /// Costs about one evaluation of F per direction: the cheap mode when outputs outnumber inputs.
    /// </summary>
    public static Expression<JacobianColumnFunc> Forward(Expression<Func<double[], double[]>> f)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var x = f.Parameters[0];
            var builder = new IrBuilder();
            var (input, outputs) = IrTranslator.RunVector(builder, x, Lowerer.Run(f.Body));
            var direction = Expression.Parameter(typeof(double[]), "direction");
            var values = Expression.Parameter(typeof(double[]), "values");
            var column = Expression.Parameter(typeof(double[]), "column");
            var tangents = TangentSweep.Run(builder, input, builder.Input(direction), outputs)
                .Select(t => t ?? builder.Double(0)).ToArray();
            var emitted = IrEmitter.Run(gradient: null, [builder.Prologue, builder.Root], builder.Double(0), [.. outputs, .. tangents]);
            var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForDirection))!, x, direction);
            var body = emitted.ToBody(checks, expressions => StoreAll(expressions, outputs.Length, values, column));
            return Expression.Lambda<JacobianColumnFunc>(Expression.Block(typeof(void), body), f.Name, [x, direction, values, column]);
        });

    /// <summary>
    /// A reverse sweep per output: row i is the gradient of output i, at a small constant times the cost
    /// of that output alone. The cheap mode when inputs outnumber outputs. Each output is its own
    /// value-and-gradient tree, inlined into one delegate.
    /// </summary>
    public static Expression<JacobianRowsFunc> Reverse(Expression<Func<double[], double[]>> f)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var x = Expression.Parameter(typeof(double[]), "x");
            var values = Expression.Parameter(typeof(double[]), "values");
            var jacobian = Expression.Parameter(typeof(double[,]), "jacobian");
            var row = Expression.Parameter(typeof(double[]), "row");
            var copyRow = typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.CopyRow))!;
            var statements = new List<Expression>();
            for (var i = 0; i < VectorBody.OutputCount(f.Body); i++)
            {
                var gradient = GradientPipeline.Run(VectorBody.Output(f, i));
                statements.Add(Expression.Assign(Expression.ArrayAccess(values, Expression.Constant(i)), Expression.Invoke(gradient, x, row)));
                statements.Add(Expression.Call(copyRow, row, jacobian, Expression.Constant(i)));
            }
            statements.Add(Expression.Empty());
            return Expression.Lambda<JacobianRowsFunc>(Expression.Block(statements), f.Name, [x, values, jacobian, row]);
        });

    private static IEnumerable<Expression> StoreAll(IReadOnlyList<Expression> expressions, int m, ParameterExpression values, ParameterExpression column)
    {
        for (var i = 0; i < m; i++)
        {
            yield return Expression.Assign(Expression.ArrayAccess(values, Expression.Constant(i)), expressions[i]);
            yield return Expression.Assign(Expression.ArrayAccess(column, Expression.Constant(i)), expressions[m + i]);
        }
    }
}
