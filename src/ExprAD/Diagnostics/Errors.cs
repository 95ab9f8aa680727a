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
