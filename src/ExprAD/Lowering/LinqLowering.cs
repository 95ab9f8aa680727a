using System.Linq.Expressions;
using System.Reflection;

namespace ExprAD.Lowering;

/// <summary>
/// Rewrites LINQ-to-Objects reductions (Sum, Max, Min, Average, Count, Aggregate, Any and All with a predicate, and ToArray
/// of doubles) over double arrays,
/// <c>Enumerable.Range</c>, and lazy <c>Select</c>/<c>Zip</c> compositions of them into one fused
/// <see cref="LoopExpression"/> each: C# expression lambdas cannot contain statements, so LINQ is the only
/// way users can write a loop there. The loop reproduces LINQ to Objects exactly: the same operations in
/// the same order (so results agree bit for bit), the same exceptions, and the same selector calls.
/// Anything else is left as a call, for the later passes to refuse with their usual message.
/// </summary>
/// <remarks>
/// The emitted shape is deliberately small, because it is all the differentiating passes accept:
/// <code>
/// { i = 0; end = n; acc = seed;
///   loop { if (i &lt; end [&amp;&amp; keepGoing]) { element; acc = f(acc, element); i = i + 1; } else break; }
///   [after-the-end selector calls]; [if (end == 0) ThrowNoElements();] result }
/// </code>
/// Errors are raised by calling the helpers below rather than with Throw nodes, which the later passes refuse.
/// </remarks>
internal static partial class LinqLowering
{
    /// <summary>
    /// The loop that computes <paramref name="node"/>, or null when it is not a supported reduction.
    /// Lambdas and operands are lowered through <paramref name="visitor"/>, so nested LINQ is lowered too.
    /// </summary>
    public static Expression? TryLower(MethodCallExpression node, ExpressionVisitor visitor)
    {
        if (node.Method.DeclaringType != typeof(Enumerable)) return null;
        var reduction = MatchReduction(node);
        if (reduction is null) return null;
        var (source, filter) = Filter.Parse(node.Arguments[0]);
        // A filtered sequence's length is known only at its end: ToArray would need a growing buffer.
        if (source is null || filter is not null && reduction.Kind == Kind.ToArray) return null;
        return new LoopWriter(visitor, filter).Write(reduction, source);
    }

    private enum Kind { Sum, Max, Min, Average, Count, Aggregate, ToArray, Any, All }

    /// <summary>The Enumerable methods this pass lowers (in some overloads and combinations): what a refusal lists and names.</summary>
    internal static readonly IReadOnlySet<string> Operators = new HashSet<string>(
        ["Range", "Select", "Where", "Skip", "Take", "Zip", .. Enum.GetNames<Kind>()]);

    /// <param name="Kind">Which reduction.</param>
    /// <param name="Type">The reduction's result type.</param>
    /// <param name="ValueType">For Sum/Max/Min/Average, the numeric type reduced (double or int); for Aggregate, the accumulator's type.</param>
    /// <param name="Selector">Sum/Max/Min/Average's selector, fused into the sequence as a Select.</param>
    /// <param name="Predicate">Count's, Any's or All's predicate.</param>
    /// <param name="Seed">Aggregate's seed, if given.</param>
    /// <param name="Func">Aggregate's accumulating function.</param>
    /// <param name="ResultSelector">Aggregate's result selector, if given.</param>
    private sealed record Reduction(Kind Kind, Type Type, Type ValueType, LambdaExpression? Selector = null, LambdaExpression? Predicate = null,
        Expression? Seed = null, LambdaExpression? Func = null, LambdaExpression? ResultSelector = null);

    private static Reduction? MatchReduction(MethodCallExpression node)
    {
        var method = node.Method;
        var args = node.Arguments;
        var parameters = method.GetParameters();
        switch (method.Name)
        {
            case nameof(Enumerable.Sum) or nameof(Enumerable.Max) or nameof(Enumerable.Min) or nameof(Enumerable.Average):
            {
                var kind = Enum.Parse<Kind>(method.Name);
                // Sum(IEnumerable<double>) and friends are not generic; the generic Max<T>(IEnumerable<T>)
                // compares with Comparer<T>.Default, whose NaN rules differ, so it is left alone.
                if (args.Count == 1 && !method.IsGenericMethod && ElementTypeOf(parameters[0].ParameterType) is { } element && IsNumber(element))
                    return new Reduction(kind, method.ReturnType, element);
                // Sum<TSource>(source, Func<TSource, double>); Max<TSource, TResult>(source, Func<TSource, TResult>) has two type arguments.
                if (args.Count == 2 && method.IsGenericMethod && method.GetGenericArguments().Length == 1 && args[1] is LambdaExpression selector
                    && parameters[1].ParameterType.GetGenericArguments() is [_, var value] && IsNumber(value))
                    return new Reduction(kind, method.ReturnType, value, Selector: selector);
                return null;
            }
            case nameof(Enumerable.Count) when method.IsGenericMethod:
                if (args.Count == 1) return new Reduction(Kind.Count, typeof(int), typeof(int));
                if (args.Count == 2 && args[1] is LambdaExpression predicate) return new Reduction(Kind.Count, typeof(int), typeof(int), Predicate: predicate);
                return null;
            case nameof(Enumerable.Aggregate) when method.IsGenericMethod:
                return args.Count switch
                {
                    2 when args[1] is LambdaExpression func => new Reduction(Kind.Aggregate, method.ReturnType, method.ReturnType, Func: func),
                    3 when args[2] is LambdaExpression func => new Reduction(Kind.Aggregate, method.ReturnType, method.ReturnType, Seed: args[1], Func: func),
                    4 when args[2] is LambdaExpression func && args[3] is LambdaExpression result
                        => new Reduction(Kind.Aggregate, method.ReturnType, method.GetGenericArguments()[1], Seed: args[1], Func: func, ResultSelector: result),
                    _ => null,
                };
            case nameof(Enumerable.Any) or nameof(Enumerable.All) when method.IsGenericMethod && args.Count == 2 && args[1] is LambdaExpression test:
                // Any() without a predicate asks some sources for a cheap count and others for a first element: not lowered.
                return new Reduction(Enum.Parse<Kind>(method.Name), typeof(bool), typeof(bool), Predicate: test);
            case nameof(Enumerable.ToArray) when method.IsGenericMethod && args.Count == 1 && method.GetGenericArguments()[0] == typeof(double):
                // A vector function's natural form, x => data.Select(t => ...).ToArray(): a local array filled by one loop.
                return new Reduction(Kind.ToArray, typeof(double[]), typeof(double));
            default:
                return null;
        }
    }

    private static bool IsNumber(Type type) => type == typeof(double) || type == typeof(int);

    private static Type? ElementTypeOf(Type enumerable)
        => enumerable.IsGenericType && enumerable.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? enumerable.GetGenericArguments()[0] : null;

    // The exceptions LINQ throws, raised by calls: the later passes refuse Throw nodes but accept calls whose
    // arguments do not depend on x. Messages and parameter names are those of System.Linq.

    internal static void ThrowNoElements() => throw new InvalidOperationException("Sequence contains no elements");

    internal static void ThrowArgumentNull(string parameterName) => throw new ArgumentNullException(parameterName);

    internal static void ThrowCountOutOfRange() => throw new ArgumentOutOfRangeException("count");

    private static readonly MethodInfo NoElementsMethod = Helper(nameof(ThrowNoElements));
    private static readonly MethodInfo ArgumentNullMethod = Helper(nameof(ThrowArgumentNull));
    private static readonly MethodInfo CountOutOfRangeMethod = Helper(nameof(ThrowCountOutOfRange));

    private static MethodInfo Helper(string name) => typeof(LinqLowering).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;

    /// <summary>Whether <paramref name="method"/> is one of the helpers above that raise LINQ's exceptions.</summary>
    internal static bool IsThrowHelper(MethodInfo method)
        => method == NoElementsMethod || method == ArgumentNullMethod || method == CountOutOfRangeMethod;

    /// <summary>
    /// <c>(p1, p2) =&gt; body</c> applied to <paramref name="arguments"/>, as a block that binds the parameters.
    /// The arguments only mention fresh locals of this pass, so binding them inside the parameters' scope is safe.
    /// </summary>
    private static Expression Inline(ExpressionVisitor visitor, LambdaExpression lambda, params Expression[] arguments)
    {
        var statements = lambda.Parameters.Select((p, i) => (Expression)Expression.Assign(p, arguments[i])).ToList();
        statements.Add(visitor.Visit(lambda.Body)!);
        return Expression.Block(lambda.ReturnType, lambda.Parameters, statements);
    }

    /// <summary>Statements and the locals they declare; becomes a block.</summary>
    private sealed class Code
    {
        public List<ParameterExpression> Variables { get; } = [];
        public List<Expression> Statements { get; } = [];

        public ParameterExpression Local(Type type, string name)
        {
            var variable = Expression.Variable(type, name);
            Variables.Add(variable);
            return variable;
        }

        public ParameterExpression Let(Expression value, string name, Type? type = null)
        {
            var variable = Local(type ?? value.Type, name);
            Add(Expression.Assign(variable, value));
            return variable;
        }

        public void Add(Expression statement) => Statements.Add(statement);

        public Expression ToVoidBlock()
            => Statements.Count == 0 ? Expression.Empty() : Expression.Block(typeof(void), Variables, Statements);
    }
}
