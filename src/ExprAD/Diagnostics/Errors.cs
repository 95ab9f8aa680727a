using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Printing;

namespace ExprAD.Diagnostics;

/// <summary>
/// The one place exceptions about user trees are made: each message names the construct, quotes the
/// offending sub-expression as C#, says which pass refused it and what to do instead.
/// </summary>
internal static class Errors
{
    private const int QuoteLength = 200;

    public static string Quote(Expression node) => CSharpPrinter.Print(node, QuoteLength);

    public static NotSupportedException NoDerivativeRule(MethodInfo method, Expression node)
        => new($"ExprAD cannot differentiate calls to {Describe(method)}: it has no derivative rule. "
               + $"In: {Quote(node)}. Differentiate accepts the System.Math functions listed in the README; "
               + "rewrite the call with those, register its derivative with AD.RegisterDerivative, or pass the function as an "
               + "Expression<Func<...>> and call it as g.Compile()(...) or Expression.Invoke so it can be inlined.");

    /// <summary>
    /// A LINQ call that was not lowered to a loop. Names the operator of the query that is not lowered (in
    /// <c>x.Reverse().Sum()</c>, Reverse rather than Sum), or the call that breaks a combination of lowered ones, and says how
    /// to write it with the operators that are.
    /// </summary>
    public static NotSupportedException UnsupportedLinq(MethodCallExpression node)
    {
        var chain = Chain(node).ToList();
        var culprit = chain.Skip(1).LastOrDefault(call => !IsLowered(call)) ?? node;
        // Every operator lowered by name, yet not this combination: say why by the operator that restricts what can follow,
        // and quote the call at fault (the first positional operator above the lowest Where, or the Skip or Take).
        var combination = IsLowered(culprit) ? chain.Select(c => c.Method.Name).FirstOrDefault(n => n is "Where" or "Skip" or "Take") : null;
        if (combination is not null) culprit = CombinationCulprit(chain, combination) ?? culprit;
        var name = combination ?? culprit.Method.Name;
        var filtered = combination == "Where";
        var hint = name switch
        {
            _ when filtered => "After a Where, positions are the filter's: a Select or Where with an index, a Zip, or ToArray cannot "
                + "follow it. Put those before the Where, or filter inside the reduction: x.Where(v => c(v)).Select((v, i) => f(v, i)) "
                + "as x.Select((v, i) => c(v) ? f(v, i) : 0).",
            "Skip" or "Take" => "Skip and Take are lowered over arrays, ranges and Selects without an index of those (where LINQ "
                + "does not compute the skipped elements); over a Zip or an indexed Select, reduce over a range of indices instead: "
                + "Enumerable.Range(k, x.Length - k).Sum(i => f(x[i])).",
            "SkipLast" or "TakeLast" or "SkipWhile" or "TakeWhile" => "Reduce over a range of indices instead: x.SkipLast(k).Sum(v => f(v)) can be "
                + "written Enumerable.Range(0, x.Length - k).Sum(i => f(x[i])).",
            "First" or "Last" or "ElementAt" or "FirstOrDefault" or "LastOrDefault" or "Single"
                => "Index the array instead: x[0], x[x.Length - 1], x[k].",
            "Any" or "All" => "Any and All are lowered with a predicate: x.Any(v => c(v)); Any() without one is x.Length > 0.",
            "Reverse" => "Index from the end instead: Enumerable.Range(0, n).Select(i => x[n - 1 - i]).",
            "ToList" or "AsEnumerable" or "Cast" => "Use ToArray() (a local array) or reduce the sequence directly.",
            "Zip" when culprit.Arguments.Count != 3 => "Use the overload with a result selector: x.Zip(y, (a, b) => a * b).",
            "Range" or "Select" or "Zip" => "A sequence is lowered only where Sum, Max, Min, Average, Count or Aggregate consumes it "
                + "directly (or ToArray makes it an array), not through ToList or another method.",
            _ when Lowering.LinqLowering.Operators.Contains(name) => "Its source must be an array (of doubles, rows or records; not of ints), a List<T>, Enumerable.Range, or Select and Zip of those, "
                + "and a Max or Min selector must return double or int.",
            _ => "Write the computation with those operators or as an Expression.Loop.",
        };
        return new($"ExprAD cannot differentiate the LINQ call {Describe(culprit.Method)}: {Quote(culprit)}. "
                   + "Differentiate lowers to loops Enumerable.Range, Select (with or without the index), Where, Skip, Take, Zip with a result selector, "
                   + "Sum, Max, Min, Average, Count, Aggregate, Any and All with a predicate, and ToArray, over arrays, lists and ranges. " + hint);
    }

    /// <summary>
    /// Whether a LINQ call left by the lowering, or a call below it in its query, takes a lambda: such a query would be refused
    /// for the lambda, so it is refused at its top with <see cref="UnsupportedLinq"/>, which can name the operator at fault.
    /// </summary>
    public static bool IsQueryWithLambdas(MethodCallExpression node)
        => node.Method.DeclaringType == typeof(Enumerable) && Chain(node).Any(c => c.Arguments.Any(a => a is LambdaExpression));

    /// <summary>
    /// In a query lowered operator by operator but not as a whole: above its lowest Where, the nearest call that needs
    /// positions (a Select or Where with an index, Skip, Take, Zip, ToArray); otherwise the lowest Skip or Take.
    /// </summary>
    private static MethodCallExpression? CombinationCulprit(List<MethodCallExpression> chain, string combination)
    {
        var lowest = chain.FindLastIndex(c => c.Method.Name == combination);
        if (combination != "Where") return chain[lowest];
        for (var k = lowest - 1; k >= 0; k--)
        {
            var call = chain[k];
            var indexed = call.Arguments.Any(a => a is LambdaExpression { Parameters.Count: 2 }) && call.Method.Name is "Select" or "Where";
            if (indexed || call.Method.Name is "Skip" or "Take" or "Zip" or "ToArray") return call;
        }
        return null;
    }

    /// <summary>The query's LINQ calls from <paramref name="node"/> down its sources.</summary>
    private static IEnumerable<MethodCallExpression> Chain(MethodCallExpression node)
    {
        for (Expression? call = node; call is MethodCallExpression c && c.Method.DeclaringType == typeof(Enumerable);
             call = c.Arguments.Count > 0 ? c.Arguments[0] : null)
            yield return c;
    }

    private static bool IsLowered(MethodCallExpression call)
        => Lowering.LinqLowering.Operators.Contains(call.Method.Name) && !(call.Method.Name == "Zip" && call.Arguments.Count != 3);

    public static NotSupportedException UnsupportedNode(Expression node, string? hint = null)
        => new($"ExprAD cannot differentiate a {node.NodeType} node ({node.GetType().Name}): {Quote(node)}. "
               + (hint ?? "Rewrite it with arithmetic, System.Math calls, conditionals, blocks and assignments to local variables."));

    public static NotSupportedException DelegateInvoke(InvocationExpression node)
        => new($"ExprAD cannot differentiate an Invoke of a compiled delegate: {Quote(node)}. "
               + "Its body is not visible as an expression tree. Pass the function as an Expression<Func<...>> "
               + "and invoke it with Expression.Invoke so that Differentiate can inline it.");

    public static NotSupportedException LosesDerivative(Expression node, Type type)
        => new($"ExprAD cannot differentiate through a conversion to {type.Name}: {Quote(node)}. "
               + "Only double values carry derivatives; keep the computation in double.");

    public static NotSupportedException UserOperator(Expression node, MethodInfo method)
        => new($"ExprAD cannot differentiate the user-defined operator {Describe(method)}: {Quote(node)}. "
               + "Only arithmetic on double carries derivatives.");

    public static NotSupportedException WholeInput(Expression node)
        => new($"ExprAD cannot differentiate a use of the input array as a whole: {Quote(node)}. "
               + "Derivatives are tracked through its elements: index it (x[i]) and read x.Length; "
               + "do not pass it to methods, convert it, or choose between it and another array.");

    public static NotSupportedException UnboundParameter(ParameterExpression node)
        => new($"ExprAD cannot differentiate a reference to the parameter '{node.Name}' outside the lambda or block that declares it.");

    public static InsufficientExecutionStackException TooDeep(Exception inner)
        => new("The expression tree is nested too deeply for ExprAD to process, even on a thread with a 512 MB stack. "
               + "Build long sums as balanced trees or as a loop.", inner);

    private static string Describe(MethodInfo method)
        => $"{method.DeclaringType?.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";
}
