using System.Linq.Expressions;
using ExprAD.Rules;

namespace ExprAD.Tests.Rules;

/// <summary>Every rule of the rule table, from <see cref="RuleSpecs"/>: against the exact derivative and finite differences.</summary>
public class RuleTableTests
{
    private const int PointsPerRule = 25;

    public static TheoryData<string> RuleNames => new(RuleSpec.All.Select(s => s.Rule));

    private static IEnumerable<string> RulesInTable()
        => RuleTable.MethodRules.Where(r => !IsAliasOfAMathFunction(r.Key)).Select(r => r.Value.Name)
            .Concat(RuleTable.OperatorRules.Values.Select(r => r.Name));

    /// <summary>double.Sin and the like, which share Math.Sin's rule; double.ExpM1 or double.Hypot have no Math twin and rules of their own.</summary>
    private static bool IsAliasOfAMathFunction(System.Reflection.MethodInfo method)
        => method.DeclaringType == typeof(double) && MathTwin(method) is not null;

    private static System.Reflection.MethodInfo? MathTwin(System.Reflection.MethodInfo method)
        => typeof(Math).GetMethod(method.Name, method.GetParameters().Select(p => p.ParameterType).ToArray());

    [Fact]
    public void EveryRuleHasATestEntry()
    {
        var missing = RulesInTable().Except(RuleSpec.All.Select(s => s.Rule)).ToList();
        Assert.True(missing.Count == 0, "Rules without an entry in RuleSpec.All: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryTestEntryNamesARule()
    {
        var unknown = RuleSpec.All.Select(s => s.Rule).Except(RulesInTable()).ToList();
        Assert.True(unknown.Count == 0, "Entries naming no rule: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void MatchesTheExactDerivative(string rule)
    {
        var spec = RuleSpec.All.Single(s => s.Rule == rule);
        var gradient = AD.Differentiate(spec.Function);
        var function = spec.Function.Compile();
        var random = new Random(StableSeed(rule));
        for (var k = 0; k < PointsPerRule; k++)
        {
            var x = spec.Sample(random);
            var g = new double[x.Length];
            var value = gradient(x, g);
            Assert.Equal(function(x), value);
            var exact = spec.Exact(x);
            for (var i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(g[i] - exact[i]) <= 1e-12 * (1 + Math.Abs(exact[i])),
                    $"{rule} at [{string.Join(", ", x)}]: d/dx{i} = {g[i]:R}, exact {exact[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void MatchesCentralFiniteDifferencesInARandomDirection(string rule)
    {
        var spec = RuleSpec.All.Single(s => s.Rule == rule);
        var gradient = AD.Differentiate(spec.Function);
        var function = spec.Function.Compile();
        var random = new Random(~StableSeed(rule) & 0xffff);
        for (var k = 0; k < PointsPerRule; k++)
        {
            var x = spec.Sample(random);
            var g = new double[x.Length];
            gradient(x, g);
            DirectionalCheck.AssertMatches(function, x, g, random, rule);
        }
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void ForwardModeAgreesWithReverseMode(string rule)
    {
        var spec = RuleSpec.All.Single(s => s.Rule == rule);
        var gradient = AD.Differentiate(spec.Function);
        var directional = AD.DirectionalDerivative(spec.Function);
        var random = new Random(rule.Length * 7919);
        for (var k = 0; k < PointsPerRule; k++)
        {
            var x = spec.Sample(random);
            var g = new double[x.Length];
            gradient(x, g);
            var v = DirectionalCheck.RandomUnitVector(random, x.Length);
            var reverse = g.Select((gi, i) => gi * v[i]).Sum();
            var forward = directional(x, v);
            Assert.True(Math.Abs(forward - reverse) <= 1e-12 * (1 + Math.Abs(reverse)),
                $"{rule} at [{string.Join(", ", x)}]: forward {forward:R}, reverse {reverse:R}");
        }
    }

    [Fact]
    public void DoubleAliasesOfMathFunctionsUseTheSameRules()
    {
        var aliases = RuleTable.MethodRules.Where(r => IsAliasOfAMathFunction(r.Key)).ToList();
        Assert.NotEmpty(aliases);
        var random = new Random(7);
        foreach (var (alias, _) in aliases)
        {
            var math = MathTwin(alias)!;
            var x = Expression.Parameter(typeof(double[]), "x");
            // Argument i is x[i] + 2i, so Clamp gets min < max and Log gets a base above 1.
            var args = alias.GetParameters().Select((p, i) => p.ParameterType == typeof(double)
                ? (Expression)Expression.Add(Expression.ArrayIndex(x, Expression.Constant(i)), Expression.Constant(2.0 * i))
                : Expression.Constant(p.ParameterType == typeof(int) ? 1 : (object)MidpointRounding.ToEven, p.ParameterType)).ToArray();
            double[] Gradient(System.Reflection.MethodInfo m, double[] point)
            {
                var g = new double[point.Length];
                AD.Differentiate(Expression.Lambda<Func<double[], double>>(Expression.Call(m, args), x))(point, g);
                return g;
            }
            // One point inside (-1, 1) for asin/atanh, one above 1 for acosh; each function is finite at one of them at least.
            var finiteSomewhere = false;
            foreach (var (lo, hi) in new[] { (0.3, 0.7), (1.2, 1.8) })
            {
                var point = args.Select(_ => lo + (hi - lo) * random.NextDouble()).ToArray();
                var expected = Gradient(math, point);
                Assert.Equal(expected, Gradient(alias, point));
                finiteSomewhere |= expected.All(double.IsFinite);
            }
            Assert.True(finiteSomewhere, alias.Name);
        }
    }

    /// <summary>
    /// A seed from the rule's name that is the same in every run (string.GetHashCode is randomized per process),
    /// so a failing point can be reproduced.
    /// </summary>
    private static int StableSeed(string rule) => rule.Aggregate(17, (hash, c) => unchecked(hash * 31 + c)) & 0xffff;
}
