using System.Linq.Expressions;
using ExprAD.Compilation;
using ExprAD.Printing;

namespace ExprAD;

/// <summary>
/// Automatic differentiation of <see cref="Expression{TDelegate}"/> trees: the tree is rewritten into a
/// value-and-derivative tree, simplified, and compiled with <see cref="LambdaExpression.Compile()"/>.
/// </summary>
public static class AD
{
    /// <summary>
    /// Reverse mode: compiles a delegate that returns f(x) and writes the gradient of f into its second argument.
    /// The delegate is compiled once and is safe to call from many threads at once.
    /// </summary>
    /// <param name="f">The function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static GradientFunc Differentiate(Expression<Func<double[], double>> f)
        => GradientExpression(f).Compile();

    /// <summary>
    /// The simplified value-and-gradient tree that <see cref="Differentiate"/> compiles, for printing
    /// (<see cref="ToCSharp"/>), inspection, or differentiating again.
    /// </summary>
    /// <param name="f">The function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static Expression<GradientFunc> GradientExpression(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return GradientPipeline.Run(f);
    }

    /// <summary>
    /// The function itself, lowered and compiled without derivatives: the fair baseline for
    /// gradient/function time ratios.
    /// </summary>
    /// <param name="f">The function to compile.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Func<double[], double> Compile(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return PrimalPipeline.Run(f).Compile();
    }

    /// <summary>
    /// Forward mode: compiles a delegate returning the directional derivative &lt;grad f(x), v&gt;, built from
    /// the same rule table as <see cref="Differentiate"/>. Costs about one evaluation of f per direction.
    /// </summary>
    /// <param name="f">The function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static DirectionalDerivativeFunc DirectionalDerivative(Expression<Func<double[], double>> f)
        => DirectionalDerivativeExpression(f).Compile();

    /// <summary>The tree that <see cref="DirectionalDerivative"/> compiles, for printing or inspection.</summary>
    /// <param name="f">The function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    public static Expression<DirectionalDerivativeFunc> DirectionalDerivativeExpression(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return DirectionalPipeline.Run(f);
    }

    /// <summary>f' for a scalar function, by forward mode.</summary>
    /// <param name="f">The function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static Func<double, double> Derivative(Expression<Func<double, double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var x = Expression.Parameter(typeof(double[]), "x");
        var body = Expression.Invoke(f, Expression.ArrayIndex(x, Expression.Constant(0)));
        var directional = DirectionalDerivative(Expression.Lambda<Func<double[], double>>(body, x));
        // Two one-element arrays per call: the compiled code reads its input from an array.
        return t => directional([t], [1.0]);
    }

    /// <summary>Value, gradient and Hessian of f. Not available yet: issue 4 (higher order).</summary>
    /// <param name="f">The function to differentiate twice.</param>
    /// <exception cref="NotSupportedException">Always, until issue 4 lands.</exception>
    public static HessianFunc Hessian(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        throw new NotSupportedException("AD.Hessian is not implemented yet (issue 4: higher order and vector functions).");
    }

    /// <summary>
    /// Values and Jacobian of a vector function <c>x =&gt; new[] { f0, f1, ... }</c> (the array initializer may
    /// end a block that computes shared values first). The mode is picked per call from the shape: forward
    /// mode, one sweep per input over all outputs at once, when outputs outnumber inputs; reverse mode, one
    /// gradient per output, otherwise. The delegate is safe to call from many threads and allocates nothing
    /// per call once warm.
    /// </summary>
    /// <param name="f">The vector function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">The body is not an array initializer, or contains a node or method with no derivative rule.</exception>
    public static JacobianFunc Jacobian(Expression<Func<double[], double[]>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new JacobianEvaluator(f).Evaluate;
    }

    /// <summary>Shows any expression tree as readable C#, e.g. the tree returned by <see cref="GradientExpression"/>.</summary>
    /// <param name="expression">The tree to print.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    public static string ToCSharp(Expression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return CSharpPrinter.Print(expression);
    }
}
