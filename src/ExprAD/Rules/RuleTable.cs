using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace ExprAD.Rules;

/// <summary>
/// The one table of elementary derivatives: every operator and method that differentiation knows,
/// used by reverse mode (and by forward mode, which reuses the same partials).
/// </summary>
internal static class RuleTable
{
    private static readonly ConcurrentDictionary<MethodInfo, DerivativeRule> Methods = Build();

    /// <summary>Every method with a rule, for documentation and for the test that each has a test entry.</summary>
    public static IReadOnlyCollection<KeyValuePair<MethodInfo, DerivativeRule>> MethodRules => Methods.ToArray();

    public static IReadOnlyDictionary<ExpressionType, DerivativeRule> OperatorRules => Rules.OperatorRules.ByNodeType;

    /// <summary>The built-in rule of <paramref name="method"/>, or the rule a user registered for it.</summary>
    public static bool TryGet(MethodInfo method, out DerivativeRule rule)
        => Methods.TryGetValue(method, out rule!) || CustomRules.TryGet(method, out rule);

    public static bool HasBuiltInRule(MethodInfo method) => Methods.ContainsKey(method);

    public static DerivativeRule? ForOperator(ExpressionType nodeType) => OperatorRules.GetValueOrDefault(nodeType);

    private static ConcurrentDictionary<MethodInfo, DerivativeRule> Build()
    {
        var table = new ConcurrentDictionary<MethodInfo, DerivativeRule>();
        foreach (var (method, rule) in MathRules.All())
        {
            table[method] = rule;
            // double.Sin(x) and friends (generic math) are the same functions as Math.Sin(x).
            var alias = typeof(double).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Static,
                method.GetParameters().Select(p => p.ParameterType).ToArray());
            if (alias is not null && alias.ReturnType == method.ReturnType && !table.ContainsKey(alias))
                table[alias] = rule with { Name = rule.Name.Replace("Math.", "double.") };
        }
        return table;
    }
}
