using System.Linq.Expressions;
using Xunit.Abstractions;

namespace ExprAD.Tests.Simplification;

/// <summary>
/// The value-and-gradient tree stays a small constant multiple of the input tree (target: at most 6x),
/// because reverse mode reuses the forward values and the simplifier drops zero and unit factors.
/// </summary>
public class TreeGrowthTests(ITestOutputHelper output)
{
    private const double MaxGrowth = 6.0;

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(10_000)]
    public void GradientTreeIsWithinSixTimesTheInputTree(int targetNodes)
    {
        var worst = 0.0;
        for (var seed = 0; seed < 5; seed++)
        {
            var f = RandomFunction(new Random(seed * 7919 + targetNodes), targetNodes, inputs: 8);
            var inputNodes = NodeCounter.Count(f.Body);
            var gradientNodes = NodeCounter.Count(AD.GradientExpression(f).Body);
            var growth = (double)gradientNodes / inputNodes;
            worst = Math.Max(worst, growth);
            Assert.True(growth <= MaxGrowth, $"seed {seed}: {inputNodes} input nodes became {gradientNodes} ({growth:F2}x)");
        }
        output.WriteLine($"~{targetNodes} nodes: worst growth {worst:F2}x");
    }

    [Fact]
    public void TheSameSubtreeObjectUsedTwiceIsComputedOnce()
    {
        // A chain where every level uses the previous level twice: 2^40 paths, 40 distinct subtrees.
        var x = Expression.Parameter(typeof(double[]), "x");
        Expression e = Expression.ArrayIndex(x, Expression.Constant(0));
        for (var i = 0; i < 40; i++) e = Expression.Multiply(Expression.Call(typeof(Math).GetMethod("Sin", [typeof(double)])!, e), e);
        var f = Expression.Lambda<Func<double[], double>>(e, x);
        var gradient = AD.GradientExpression(f);
        Assert.True(NodeCounter.Count(gradient.Body) < 40 * 40, "the shared subtrees were expanded");
        // f.Compile() would expand the DAG; the value and derivative by the recurrence instead.
        double v = 0.3, dv = 1;
        for (var i = 0; i < 40; i++) (v, dv) = (Math.Sin(v) * v, (Math.Cos(v) * v + Math.Sin(v)) * dv);
        var g = new double[1];
        Assert.Equal(v, gradient.Compile()([0.3], g));
        Assert.Equal(dv, g[0], 1e-12 * Math.Abs(dv));
    }

    /// <summary>A random tree of about <paramref name="targetNodes"/> nodes over x[0..inputs-1], finite on [0.5, 1.5].</summary>
    internal static Expression<Func<double[], double>> RandomFunction(Random random, int targetNodes, int inputs)
    {
        var x = Expression.Parameter(typeof(double[]), "x");
        var budget = targetNodes;
        Expression Build(int depth)
        {
            budget -= 3;
            if (budget <= 0 || depth > 30 || random.Next(4) == 0)
                return random.Next(5) == 0 ? Expression.Constant(0.5 + random.NextDouble()) : Expression.ArrayIndex(x, Expression.Constant(random.Next(inputs)));
            return random.Next(9) switch
            {
                0 => Expression.Add(Build(depth + 1), Build(depth + 1)),
                1 => Expression.Subtract(Build(depth + 1), Build(depth + 1)),
                2 or 3 => Expression.Multiply(Build(depth + 1), Build(depth + 1)),
                4 => Expression.Divide(Build(depth + 1), Expression.Add(Expression.Constant(2.0), Call("Sin", Build(depth + 1)))),
                5 => Call("Sin", Build(depth + 1)),
                6 => Call("Exp", Call("Tanh", Build(depth + 1))),
                7 => Call("Log", Expression.Add(Expression.Constant(1.0), Call("Abs", Build(depth + 1)))),
                _ => Call("Sqrt", Expression.Add(Expression.Constant(1.0), Call("Abs", Build(depth + 1)))),
            };
        }
        Expression body = Build(0);
        while (budget > 0) body = Expression.Add(body, Build(0));
        return Expression.Lambda<Func<double[], double>>(body, x);
    }

    private static Expression Call(string name, Expression arg) => Expression.Call(typeof(Math).GetMethod(name, [typeof(double)])!, arg);
}

/// <summary>
/// Counts expression nodes: each use of a node counts, including parameter reads. Local declarations
/// and the argument-check call at the top of a gradient are bookkeeping, not computation, and are not
/// counted (they would otherwise dominate for 10-node functions).
/// </summary>
internal sealed class NodeCounter : ExpressionVisitor
{
    protected override Expression VisitBlock(BlockExpression node)
    {
        _count++;
        foreach (var e in node.Expressions) Visit(e);
        return node;
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
        => node.Method.DeclaringType?.Name == "ArgumentChecks" ? node : base.VisitMethodCall(node);

    private int _count;

    public static int Count(Expression e)
    {
        var counter = new NodeCounter();
        counter.Visit(e);
        return counter._count;
    }

    public override Expression? Visit(Expression? node)
    {
        if (node is not null and not BlockExpression) _count++;
        return base.Visit(node);
    }
}
