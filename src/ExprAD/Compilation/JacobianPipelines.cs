using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Differentiation;
using ExprAD.Ir;
using ExprAD.Lowering;
using ExprAD.Translation;
using ExprAD.Vector;

namespace ExprAD.Compilation;

/// <summary>
/// Forward mode along several directions at once: values, and J * directions[k] in column <c>first + k</c> of the Jacobian
/// (columns past its last are not written: a last, narrower block's zero directions), sharing one evaluation of F and of
/// its partials among the directions.
/// </summary>
internal delegate void JacobianBlockFunc(double[] x, double[][] directions, double[] values, double[,] jacobian, int first);

/// <summary>Reverse mode for a vector function: values, and every row of the Jacobian, one output at a time.</summary>
internal delegate void JacobianRowsFunc(double[] x, double[] values, double[,] jacobian, double[] row);

/// <summary>The two ways to compile a Jacobian; <see cref="JacobianEvaluator"/> picks one per call.</summary>
internal static class JacobianPipelines
{
    /// <summary>
    /// One tree for all outputs, so they share every common value, carrying <paramref name="width"/> directions through one
    /// tangent sweep: the function, its math calls and their partials run once per pass instead of once per direction (a
    /// tall Jacobian's columns in batches). The cheap mode when outputs outnumber inputs.
    /// </summary>
    public static Expression<JacobianBlockFunc> ForwardBlock(Expression<Func<double[], double[]>> f, int width)
        => StackGuard.RunWithDeepStackFallback(() =>
        {
            var (x, builder, initializer, input, outputs) = Translate(f);
            var directionsParameter = Expression.Parameter(typeof(double[][]), "directions");
            var values = Expression.Parameter(typeof(double[]), "values");
            var jacobian = Expression.Parameter(typeof(double[,]), "jacobian");
            var first = Expression.Parameter(typeof(int), "first");
            // The directions are read once, before the function's code.
            var code = builder.Current;
            builder.Current = builder.Prologue;
            var directionsInput = builder.Input(directionsParameter);
            var directions = Enumerable.Range(0, width).Select(k => builder.ArrayIndex(directionsInput, [builder.Constant(k, typeof(int))])).ToArray();
            builder.Current = code;
            var tangents = TangentSweep.Run(builder, input, directions, outputs);
            // An array whose elements never depend on x has no tangent array: its columns are zero.
            var zeroTangents = initializer ? builder.Double(0) : builder.NewArray(builder.ArrayLength(outputs[0]), active: false, "zero");
            var emitted = IrEmitter.Run(gradient: null, [builder.Prologue, builder.Root], builder.Double(0),
                [.. outputs, .. tangents.SelectMany(t => t).Select(t => t ?? zeroTangents)], reuseArrays: true);
            var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForDirections))!, x, directionsParameter, Expression.Constant(width));
            var m = outputs.Length;
            var statements = emitted.ToBody(checks, expressions => initializer
                ? StoreBlock(expressions, m, width, values, jacobian, first)
                : CopyBlock(expressions, width, values, jacobian, first));
            return Expression.Lambda<JacobianBlockFunc>(Expression.Block(typeof(void), statements), f.Name, [x, directionsParameter, values, jacobian, first]);
        });

    /// <summary>values[i] = output i; jacobian[i, first + k] = its tangent along direction k (the tangents follow the outputs, output by output).</summary>
    private static IEnumerable<Expression> StoreBlock(IReadOnlyList<Expression> expressions, int m, int width, ParameterExpression values,
        ParameterExpression jacobian, ParameterExpression first)
    {
        for (var i = 0; i < m; i++)
        {
            yield return Expression.Assign(Expression.ArrayAccess(values, Expression.Constant(i)), expressions[i]);
            for (var k = 0; k < width; k++)
                yield return Expression.Call(typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.Store))!, jacobian, Expression.Constant(i),
                    Expression.Add(first, Expression.Constant(k)), expressions[m + i * width + k]);
        }
    }

    /// <summary>For a function that fills an array: its values, then each direction's tangent array into its column of the Jacobian.</summary>
    private static IEnumerable<Expression> CopyBlock(IReadOnlyList<Expression> expressions, int width, ParameterExpression values,
        ParameterExpression jacobian, ParameterExpression first)
    {
        yield return Expression.Call(typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.CopyValues))!, expressions[0], values);
        for (var k = 0; k < width; k++)
            yield return Expression.Call(typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.CopyColumn))!, expressions[1 + k], jacobian,
                Expression.Add(first, Expression.Constant(k)));
    }

    /// <summary>
    /// The vector function in the intermediate form: its outputs as one value each (an array initializer's elements), or the
    /// array it fills and returns.
    /// </summary>
    private static (ParameterExpression X, IrBuilder Builder, bool Initializer, Value Input, Value[] Outputs) Translate(Expression<Func<double[], double[]>> f)
    {
        var x = f.Parameters[0];
        var builder = new IrBuilder();
        var body = Lowerer.Run(f.Body);
        var initializer = VectorBody.HasInitializer(f.Body);
        var (input, outputs) = initializer ? IrTranslator.RunVector(builder, x, body) : AsOutputs(IrTranslator.RunArray(builder, x, body));
        return (x, builder, initializer, input, outputs);
    }

    private static (Value Input, Value[] Outputs) AsOutputs((Value Input, Value Array) translated) => (translated.Input, [translated.Array]);

    /// <summary>
    /// A reverse sweep per output: row i is the gradient of output i, at a small constant times the cost
    /// of that output alone. The cheap mode when inputs outnumber outputs. Each output is its own
    /// value-and-gradient tree, inlined into one delegate.
    /// </summary>
    public static Expression<JacobianRowsFunc> Reverse(Expression<Func<double[], double[]>> f)
        => VectorBody.HasInitializer(f.Body) ? ReverseByOutput(f) : ReverseByRow(f);

    /// <summary>
    /// For a function that fills and returns an array: one tree seeded with d result[k] = 1 for a row index k
    /// given at run time, called once per row. Each call runs the whole function forward.
    /// </summary>
    private static Expression<JacobianRowsFunc> ReverseByRow(Expression<Func<double[], double[]>> f)
    {
        var kernel = StackGuard.RunWithDeepStackFallback(() => ReverseSweep.WithStartStateFallback(startStateReplays =>
            {
                var x = f.Parameters[0];
                var builder = new IrBuilder();
                var (_, array) = IrTranslator.RunArray(builder, x, Lowerer.Run(f.Body));
                var rowIndex = Expression.Parameter(typeof(int), "k");
                var values = Expression.Parameter(typeof(double[]), "values");
                var row = Expression.Parameter(typeof(double[]), "row");
                var reverse = ReverseSweep.RunSeededElement(builder, array, builder.Leaf(rowIndex), startStateReplays);
                var emitted = IrEmitter.Run(row, [builder.Prologue, builder.Root, reverse], builder.Double(0), [array], reuseArrays: true);
                var checks = Expression.Call(typeof(ArgumentChecks).GetMethod(nameof(ArgumentChecks.ForGradientAndZero))!, x, row);
                var copy = typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.CopyValues))!;
                var code = emitted.ToBody(checks, expressions => [Expression.Call(copy, expressions[0], values)]);
                return Expression.Lambda<Action<double[], int, double[], double[]>>(Expression.Block(typeof(void), code), f.Name, [x, rowIndex, values, row]);
            }));
        var xs = Expression.Parameter(typeof(double[]), "x");
        var valuesOut = Expression.Parameter(typeof(double[]), "values");
        var jacobian = Expression.Parameter(typeof(double[,]), "jacobian");
        var rowBuffer = Expression.Parameter(typeof(double[]), "row");
        var everyRow = Expression.Call(typeof(JacobianEvaluator).GetMethod(nameof(JacobianEvaluator.EveryRow))!,
            Expression.Constant(kernel.Compile()), xs, valuesOut, jacobian, rowBuffer);
        return Expression.Lambda<JacobianRowsFunc>(everyRow, f.Name, [xs, valuesOut, jacobian, rowBuffer]);
    }

    private static Expression<JacobianRowsFunc> ReverseByOutput(Expression<Func<double[], double[]>> f)
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
}
