using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Translation;

namespace ExprAD.Rules;

/// <summary>
/// Derivative rules users register for their own static methods (a softplus, an lgamma). Each partial
/// is a lambda of the method's arguments; it is translated inline wherever the rule is applied, so both
/// modes and higher derivatives see ordinary code (a partial may call other methods that have rules).
/// </summary>
internal static class CustomRules
{
    private static readonly ConcurrentDictionary<MethodInfo, DerivativeRule> Rules = new();

    public static bool TryGet(MethodInfo method, out DerivativeRule rule) => Rules.TryGetValue(method, out rule!);

    public static void Register(MethodInfo method, IReadOnlyList<LambdaExpression?> partials)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(partials);
        var name = $"{method.DeclaringType?.Name}.{method.Name}";
        var parameters = method.GetParameters();
        // A lambda or local function compiles to a method with a generated name ("<Main>b__0_1"), usually on a closure object.
        if (method.Name.Contains('<') || method.DeclaringType?.Name.Contains('<') == true)
            throw new ArgumentException($"A lambda or local function cannot have a derivative rule ({name} is compiler-generated): declare a "
                + "named static method, static double F(double t) => ..., and register that; or write the function as an Expression<Func<...>> "
                + "and Expression.Invoke it, so that Differentiate inlines it.", nameof(method));
        if (!method.IsStatic)
            throw new ArgumentException($"Only static methods can have derivative rules; {name} is an instance method.", nameof(method));
        if (method.ReturnType != typeof(double) || parameters.Any(p => p.ParameterType != typeof(double)))
            throw new ArgumentException($"A derivative rule needs a method taking and returning double; {name} does not.", nameof(method));
        if (method.IsGenericMethodDefinition)
            throw new ArgumentException($"{name} is generic; register a constructed method.", nameof(method));
        if (partials.Count != parameters.Length)
            throw new ArgumentException($"{name} takes {parameters.Length} argument(s), so it needs {parameters.Length} partial derivative(s); {partials.Count} were given.", nameof(partials));
        foreach (var partial in partials)
            if (partial is not null && (partial.ReturnType != typeof(double) || partial.Parameters.Count != parameters.Length || partial.Parameters.Any(p => p.Type != typeof(double))))
                throw new ArgumentException($"Each partial derivative of {name} must be a lambda of its {parameters.Length} double argument(s) returning double.", nameof(partials));
        if (RuleTable.HasBuiltInRule(method))
            throw new ArgumentException($"{name} already has a built-in derivative rule.", nameof(method));

        var captured = partials.ToArray();
        Rules[method] = new DerivativeRule(name, (builder, args, _) =>
            captured.Select(p => p is null ? null : IrTranslator.Inline(builder, p, args)).ToArray());
    }

    public static bool Unregister(MethodInfo method) => Rules.TryRemove(method, out _);
}
