using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Random simulations that update a state array in place, time step after time step: <c>u</c> starts from x, each of
/// 1-4 steps runs a sweep <c>for i: u[i + a] = ... u[i + b] ...</c> (counting up or down, by 1 or 2, over a range that
/// keeps every offset in bounds), and f sums a function of u. The sweeps read elements the sweep has already updated
/// and elements it has not, linearly and through sin, tanh and products (so some reads of updated elements are needed
/// by the derivative and some are not), with one or two stores per iteration (plain or compound, the second possibly
/// at another offset), reads before and after the stores, a coefficient array w, and sometimes a scalar carried
/// along the sweep. Some steps have a loop before the sweep (reading u, or updating it in place itself) or after it
/// (reading u, which leaves the sweep's start state unusable). This is the code <c>ReverseSweep.StartStateReplays</c>
/// transforms, generated in every shape it must either handle or leave to the recomputation.
/// </summary>
/// <remarks>
/// Values stay bounded: the stores are contractions (half the old value plus terms with coefficients of at most 0.3,
/// through tanh or sin where nonlinear), and n is at least 2 + the widest offset pair.
/// </remarks>
public sealed class SweepProgramGenerator(int seed)
{
    private readonly Random _rng = new(seed);
    private static readonly ParameterExpression U = Expression.Variable(typeof(double[]), "u");
    private static readonly ParameterExpression W = Expression.Variable(typeof(double[]), "w");
    private static readonly ParameterExpression Acc = Double("acc");
    private int _names;

    /// <summary>The smallest x.Length the program is valid for (every offset in [-2, 2] stays in range).</summary>
    public const int MinLength = 5;

    public Expression<Func<double[], double>> Program()
    {
        var statements = new List<Expression>
        {
            Expression.Assign(U, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Assign(W, Expression.NewArrayBounds(typeof(double), Length)),
            Expression.Assign(Acc, C(0)),
            For("i", I(0), Length, i => Statements(
                Expression.Assign(Expression.ArrayAccess(U, i), _rng.Next(2) == 0 ? Xi(i) : Add(Mul(C(0.5), Xi(i)), Sin(Xi(i)))),
                Expression.Assign(Expression.ArrayAccess(W, i), Add(C(0.2), Mul(C(0.1), Square(Xi(i))))))),
        };
        var steps = _rng.Next(1, 5);
        statements.Add(For("t", I(0), I(steps), t => Step()));
        statements.Add(For("i", I(0), Length, i => Expression.AddAssign(Acc, Square(Expression.ArrayAccess(U, i)))));
        statements.Add(Acc);
        return Lambda(Expression.Block([U, W, Acc], statements));
    }

    private Expression Step()
    {
        var parts = new List<Expression>();
        var before = _rng.NextDouble();
        if (before < 0.15) parts.Add(For(Name("p"), I(0), Length, i => Expression.AddAssign(Acc, Mul(C(0.1), Tanh(At(U, i))))));
        else if (before < 0.3) parts.Add(Sweep());
        parts.Add(Sweep());
        if (_rng.NextDouble() < 0.2) parts.Add(For(Name("q"), I(0), Length, i => Expression.AddAssign(Acc, Mul(C(0.1), Sin(At(U, i))))));
        return Statements([.. parts]);
    }

    /// <summary>One sweep over the interior: offsets in [-2, 2], the range trimmed so that every index is in bounds.</summary>
    private Expression Sweep()
    {
        var storeOffset = _rng.NextDouble() < 0.8 ? 0 : _rng.Next(-1, 2);
        var step = _rng.NextDouble() < 0.75 ? 1 : 2;
        var carried = _rng.NextDouble() < 0.25 ? Double(Name("s")) : null;
        Expression Body(ParameterExpression i)
        {
            var body = new List<Expression>();
            var stores = _rng.NextDouble() < 0.7 ? 1 : 2;
            for (var k = 0; k < stores; k++)
            {
                var offset = k == 0 ? storeOffset : _rng.NextDouble() < 0.5 ? storeOffset : _rng.Next(-1, 2);
                var target = At(U, Add(i, I(offset)));
                var terms = Terms(i, carried);
                body.Add(_rng.Next(2) == 0
                    ? Expression.Assign(target, Add(Mul(C(0.5), target), terms))
                    : Expression.AddAssign(target, Mul(C(-0.5), Add(target, Mul(C(-1), terms)))));
                if (carried is not null && _rng.Next(2) == 0)
                    body.Add(Expression.Assign(carried, Add(Mul(C(0.5), carried), Mul(C(0.2), Tanh(At(U, Add(i, I(_rng.Next(-2, 3)))))))));
            }
            return Statements([.. body]);
        }
        Expression loop = _rng.Next(2) == 0
            ? For(Name("i"), I(2), Sub(Length, I(2)), Body, step)
            : ForDown(Name("i"), Sub(Length, I(3)), I(2), Body, step);
        return carried is null ? loop : Expression.Block(typeof(void), [carried], Expression.Assign(carried, C(0.1)), loop,
            Expression.AddAssign(Acc, Mul(C(0.3), carried)));
    }

    /// <summary>1-3 terms of reads of u (and w, x, the carried scalar) at offsets in [-2, 2], linear or not, each at most 0.3 in size.</summary>
    private Expression Terms(ParameterExpression i, ParameterExpression? carried)
    {
        Expression Read() => _rng.NextDouble() < 0.85 ? At(U, Add(i, I(_rng.Next(-2, 3)))) : At(W, Add(i, I(_rng.Next(-2, 3))));
        Expression Term() => _rng.Next(6) switch
        {
            0 => Mul(C(0.2), Read()),
            1 => Mul(C(0.2), Sin(Read())),
            2 => Mul(C(0.1), Tanh(Mul(Read(), Read()))),
            3 => Mul(C(0.2), Tanh(Add(Read(), Xi(i)))),
            4 => Mul(Mul(C(0.1), Tanh(Xi(i))), Read()),
            _ => carried is null ? Mul(C(-0.2), Read()) : Mul(C(0.2), Tanh(Add(carried, Read()))),
        };
        var sum = Term();
        for (var k = _rng.Next(0, 3); k > 0; k--) sum = Add(sum, Term());
        return sum;
    }

    private static Expression At(ParameterExpression array, Expression index) => Expression.ArrayAccess(array, index);

    private string Name(string prefix) => $"{prefix}{_names++}";
}
