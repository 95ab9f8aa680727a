using System.Linq.Expressions;
using System.Reflection;
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
    {
        ArgumentNullException.ThrowIfNull(f);
        return GradientPipeline.Run(f, forCompiling: true).Compile();
    }

    /// <summary>
    /// The simplified value-and-gradient tree that <see cref="Differentiate"/> compiles, for printing
    /// (<see cref="ToCSharp"/>), inspection, or differentiating again. Local arrays the function creates are
    /// <c>new double[n]</c> here; the compiled delegate takes them from a per-thread cache instead, reused
    /// from call to call.
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
    {
        ArgumentNullException.ThrowIfNull(f);
        return DirectionalPipeline.Run(f, forCompiling: true).Compile();
    }

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

    /// <summary>
    /// Value, gradient and Hessian of f: n Hessian-vector products (reverse over forward mode), one per
    /// unit vector, symmetrized. Loops, LINQ and conditionals work as they do for gradients. Safe to call
    /// from many threads; allocates nothing per call once warm, unless f creates local arrays
    /// (<c>new double[n]</c>), which are allocated on every sweep.
    /// </summary>
    /// <param name="f">The function to differentiate twice.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static HessianFunc Hessian(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new HessianEvaluator(f).Evaluate;
    }

    /// <summary>
    /// Hessian-vector product by reverse over forward mode: the delegate returns f(x) and writes H(x) v into
    /// its third argument, at a small constant times the cost of f whatever the number of inputs, without
    /// forming H. This is what Newton-CG and trust-region methods need.
    /// </summary>
    /// <param name="f">The function to differentiate twice.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">f contains a node or a method with no derivative rule; the message quotes it.</exception>
    public static HessianVectorProductFunc HessianVectorProduct(Expression<Func<double[], double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var kernel = HessianVectorPipeline.Run(f).Compile();
        return (x, direction, product) => kernel(x, direction, product, t_slope ??= new double[1]);
    }

    [ThreadStatic] private static double[]? t_slope;

    /// <summary>
    /// Values and Jacobian of a vector function <c>x =&gt; new[] { f0, f1, ... }</c> (the array initializer may
    /// end a block that computes shared values first). The mode is picked per call from the shape: forward
    /// mode, one sweep per input over all outputs at once, when outputs outnumber inputs; reverse mode, one
    /// gradient per output, otherwise. The delegate is safe to call from many threads and allocates nothing
    /// per call once warm, unless F creates local arrays (a body that fills <c>new double[m]</c>): those are
    /// allocated on every sweep.
    /// </summary>
    /// <param name="f">The vector function to differentiate.</param>
    /// <exception cref="ArgumentNullException"><paramref name="f"/> is null.</exception>
    /// <exception cref="NotSupportedException">The body is not an array initializer, or contains a node or method with no derivative rule.</exception>
    public static JacobianFunc Jacobian(Expression<Func<double[], double[]>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new JacobianEvaluator(f).Evaluate;
    }

    /// <summary>
    /// Registers the derivative of a static method of one double, e.g.
    /// <c>AD.RegisterDerivative(Softplus, t =&gt; 1 / (1 + Math.Exp(-t)))</c>. Calls to the method inside
    /// differentiated functions then use it in every mode (gradients, forward mode, Jacobians, Hessians);
    /// the derivative expression is inlined where it is needed, and may itself call methods with rules.
    /// Registration is global; it applies to functions differentiated afterwards. Registering again replaces the rule.
    /// </summary>
    /// <param name="function">A static method taking and returning double (a method group).</param>
    /// <param name="derivative">Its derivative, as a lambda of the same argument.</param>
    /// <exception cref="ArgumentException">The method is not static, not double to double, or is a System.Math function (those have built-in rules).</exception>
    public static void RegisterDerivative(Func<double, double> function, Expression<Func<double, double>> derivative)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(derivative);
        Rules.CustomRules.Register(function.Method, [derivative]);
    }

    /// <summary>
    /// Registers the two partial derivatives of a static method of two doubles (see
    /// <see cref="RegisterDerivative(Func{double, double}, Expression{Func{double, double}})"/>).
    /// </summary>
    /// <param name="function">A static method taking two doubles and returning double.</param>
    /// <param name="partialFirst">d function / d first argument, as a lambda of both arguments.</param>
    /// <param name="partialSecond">d function / d second argument, as a lambda of both arguments.</param>
    public static void RegisterDerivative(Func<double, double, double> function,
        Expression<Func<double, double, double>> partialFirst, Expression<Func<double, double, double>> partialSecond)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(partialFirst);
        ArgumentNullException.ThrowIfNull(partialSecond);
        Rules.CustomRules.Register(function.Method, [partialFirst, partialSecond]);
    }

    /// <summary>
    /// Registers the partial derivatives of any static method of doubles returning double: one lambda per
    /// argument, each taking all the arguments (null for a partial that is zero).
    /// </summary>
    /// <param name="method">The static method.</param>
    /// <param name="partials">d method / d argument i, for each argument i.</param>
    public static void RegisterDerivative(MethodInfo method, params LambdaExpression?[] partials)
        => Rules.CustomRules.Register(method, partials);

    /// <summary>Removes a rule registered with <c>RegisterDerivative</c>; returns whether there was one.</summary>
    /// <param name="method">The method whose rule to remove.</param>
    public static bool UnregisterDerivative(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return Rules.CustomRules.Unregister(method);
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
