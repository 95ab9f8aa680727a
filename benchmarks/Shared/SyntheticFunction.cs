using System.Linq.Expressions;

namespace ExprAD.Benchmarks.Shared;

/// <summary>
/// Deterministic random straight-line functions of <see cref="Dimension"/> inputs with a chosen number of
/// expression nodes, for measuring how the cost of AD.Differentiate grows with the size of the function.
/// </summary>
/// <remarks>
/// The function is a left-leaning sum of terms of a few dozen nodes each. A term is a random composition of
/// sums, differences, products, guarded quotients and bounded elementary functions over random inputs, shaped
/// so that it is finite everywhere on the input box [0.5, 1.5]: <c>Exp</c> only sees a <c>Tanh</c>,
/// <c>Log</c> and <c>Sqrt</c> only see <c>1 + e*e</c>, and every divisor is <c>1 + e*e</c>. Nodes are counted
/// as <see cref="StraightLineFunction.CountNodes"/> counts them (every subexpression, parameter reads
/// included). Compiled into the benchmarks and the tests.
/// </remarks>
public static class SyntheticFunction
{
    /// <summary>Number of inputs, x[0] .. x[19].</summary>
    public const int Dimension = 20;

    /// <summary>
    /// A function of at least <paramref name="targetNodes"/> nodes (and less than one term more), the same for
    /// the same arguments on every machine (<see cref="Random"/> with a seed is deterministic).
    /// </summary>
    /// <param name="targetNodes">Wanted size of the body, at least 10.</param>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    public static Expression<Func<double[], double>> Create(int targetNodes, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetNodes, 10);
        var random = new Random(seed);
        var x = Expression.Parameter(typeof(double[]), "x");
        // Terms of about 40 nodes: deep enough to have chains of calls, small enough that 100 nodes is a few terms.
        int termBudget = Math.Min(40, targetNodes / 3);

        Expression body = Term(random, x, termBudget);
        int count = StraightLineFunction.CountNodes(body);
        while (count < targetNodes)
        {
            var term = Term(random, x, termBudget);
            body = Expression.Add(body, term);
            count += StraightLineFunction.CountNodes(term) + 1;
        }
        return Expression.Lambda<Func<double[], double>>(body, x);
    }

    /// <summary>A deterministic point inside the input box [0.5, 1.5].</summary>
    /// <param name="seed">Seed of the pseudo-random generator.</param>
    public static double[] CreatePoint(int seed)
    {
        var random = new Random(seed);
        var point = new double[Dimension];
        for (int i = 0; i < point.Length; i++)
        {
            point[i] = 0.5 + random.NextDouble();
        }
        return point;
    }

    // A random subtree of roughly `budget` nodes. Leaves are inputs (3 nodes: x[c]) or constants (1 node).
    private static Expression Term(Random random, ParameterExpression x, int budget)
    {
        if (budget < 6)
        {
            return random.Next(4) == 0
                ? Expression.Constant(Math.Round(0.5 + random.NextDouble(), 3))
                : Expression.ArrayIndex(x, Expression.Constant(random.Next(Dimension)));
        }

        int half = (budget - 1) / 2;
        switch (random.Next(10))
        {
            case 0:
                return Expression.Add(Term(random, x, half), Term(random, x, half));
            case 1:
                return Expression.Subtract(Term(random, x, half), Term(random, x, half));
            case 2:
            case 3:
                return Expression.Multiply(Term(random, x, half), Term(random, x, half));
            case 4:
                // e1 / (1 + e2*e2): e2 is evaluated twice in the tree, as a person writing the square out would.
                {
                    var numerator = Term(random, x, half);
                    var inner = Term(random, x, (half - 5) / 2);
                    return Expression.Divide(numerator, OnePlusSquare(inner));
                }
            case 5:
                return Call(nameof(Math.Sin), Term(random, x, budget - 1));
            case 6:
                return Call(nameof(Math.Exp), Call(nameof(Math.Tanh), Term(random, x, budget - 2)));
            case 7:
                return Call(nameof(Math.Log), OnePlusSquare(Term(random, x, (budget - 4) / 2)));
            case 8:
                return Call(nameof(Math.Sqrt), OnePlusSquare(Term(random, x, (budget - 4) / 2)));
            default:
                return Expression.Multiply(
                    Expression.Constant(Math.Round(2 * random.NextDouble() - 1, 3)),
                    Call(nameof(Math.Cos), Term(random, x, budget - 3)));
        }
    }

    private static Expression OnePlusSquare(Expression e) =>
        Expression.Add(Expression.Constant(1.0), Expression.Multiply(e, e));

    private static Expression Call(string name, Expression argument) =>
        Expression.Call(typeof(Math).GetMethod(name, [typeof(double)])!, argument);
}
