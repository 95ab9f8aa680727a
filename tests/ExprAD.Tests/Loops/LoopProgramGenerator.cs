using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>What the random loop programs may contain.</summary>
public sealed record LoopProgramOptions(bool Conditionals = true, bool Breaks = true, int MaxDepth = 3);

/// <summary>
/// Random loop programs over x (of a random length 1..6), from a seeded <see cref="Random"/>: 1-2 top-level
/// nests of counted loops up to 3 deep over ranges that depend on x.Length, on constants (possibly empty) or
/// on enclosing counters, counting up by 1 or 2 or down, in every counter style and loop shape; 1-3 double
/// accumulators declared at the top, plus accumulators local to an iteration that an inner loop fills and the
/// enclosing body folds in; updates by random smooth expressions of x[i], x[j], x[(i + j) % n], the accumulators
/// and the counters; if/else statements and conditional expressions; a carried int index; data-dependent breaks
/// at the start or in the middle of a body.
/// </summary>
/// <remarks>
/// Everything is finite by construction: exp only of tanh(.), logarithms and square roots of 1 + a*a, divisions
/// by 2 + sin(.); accumulators enter expressions mostly through tanh, sin or a factor 0.1, and the multiplicative
/// updates are contractions (times tanh(.), divided by 2 + sin(.), times 0.5). Every index is in [0, n) by
/// construction. Loops always terminate: each has its counter exit, breaks only add exits.
/// </remarks>
public sealed class LoopProgramGenerator
{
    private readonly Random _rng;
    private readonly LoopProgramOptions _options;
    private readonly List<ParameterExpression> _accumulators = [];
    private readonly List<ParameterExpression> _counters = [];
    private ParameterExpression? _carriedIndex;
    private int _names;
    private int _depth;

    public LoopProgramGenerator(int seed, LoopProgramOptions options)
    {
        _rng = new Random(seed);
        _options = options;
        N = _rng.Next(1, 7);
    }

    /// <summary>The length of x the program is meant for (constant indices are below it).</summary>
    public int N { get; }

    /// <summary>The constructs this program used, for the generator's coverage test.</summary>
    public HashSet<string> Features { get; } = [];

    public Expression<Func<double[], double>> Program()
    {
        var variables = new List<ParameterExpression>();
        var statements = new List<Expression>();
        var count = _rng.Next(1, 4);
        for (var k = 0; k < count; k++)
        {
            var a = Double($"a{k}");
            variables.Add(a);
            _accumulators.Add(a);
            statements.Add(Expression.Assign(a, InitialValue()));
        }
        if (_rng.NextDouble() < 0.3)
        {
            _carriedIndex = Int("m");
            variables.Add(_carriedIndex);
            statements.Add(Expression.Assign(_carriedIndex, I(0)));
        }
        var nests = _rng.Next(1, 3);
        for (var k = 0; k < nests; k++)
        {
            statements.Add(LoopAt(1));
            if (k + 1 < nests && _rng.NextDouble() < 0.5) statements.Add(Update());
        }
        Expression result = C(0);
        foreach (var a in _accumulators)
            result = Add(result, _rng.Next(3) switch
            {
                0 => a,
                1 => Mul(C(Coefficient()), a),
                _ => Tanh(a),
            });
        statements.Add(result);
        return Lambda(Expression.Block(variables, statements));
    }

    private double Coefficient() => Math.Round(4 * _rng.NextDouble() - 2, 2);

    private Expression InitialValue() => _rng.Next(3) switch
    {
        0 => C(Coefficient()),
        1 => Xi(_rng.Next(N)),
        _ => Sin(Xi(_rng.Next(N))),
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    // --- loops --------------------------------------------------------------------------------------------------

    private Expression LoopAt(int level)
    {
        _depth = Math.Max(_depth, level);
        Features.Add($"depth {level}");
        var name = $"i{_names++}";
        var step = _rng.NextDouble() < 0.2 ? 2 : 1;
        var style = (StepStyle)_rng.Next(5);
        var shape = (LoopShape)_rng.Next(2);
        Features.Add($"style {style}");
        Features.Add($"shape {shape}");
        if (step == 2) Features.Add("step 2");

        Expression Body(ParameterExpression i, LabelTarget end)
        {
            _counters.Add(i);
            var body = LoopBody(level, i, end);
            _counters.Remove(i);
            return body;
        }

        var kind = _rng.Next(_counters.Count > 0 ? 6 : 4);
        switch (kind)
        {
            case 0:
                Features.Add("range [0, n)");
                return For(name, I(0), Length, Body, step, style, shape);
            case 1:
                var end = _rng.Next(0, N + 1);
                Features.Add(end == 0 ? "zero trips" : "constant range");
                return For(name, I(0), I(end), Body, step, style, shape);
            case 2:
                Features.Add("count down");
                return ForDown(name, Sub(Length, I(1)), I(0), Body, step, style, shape);
            case 3:
                Features.Add("range [1, n)");
                return For(name, I(1), Length, Body, step, style, shape);
            case 4:
                Features.Add("dependent range");
                var j = Pick(_counters);
                return _rng.Next(2) == 0
                    ? For(name, I(0), Add(j, I(1)), Body, step, style, shape)
                    : For(name, j, Length, Body, step, style, shape);
            default:
                Features.Add("count down to enclosing counter");
                return ForDown(name, Sub(Length, I(1)), Pick(_counters), Body, step, style, shape);
        }
    }

    private Expression LoopBody(int level, ParameterExpression counter, LabelTarget end)
    {
        var locals = new List<ParameterExpression>();
        var statements = new List<Expression>();
        // A break may test only accumulators assigned before this body starts: an accumulator local to the
        // body could be read before its assignment in the iteration, which C# would not allow.
        var assignedBefore = _accumulators.ToList();
        var count = _rng.Next(1, 4);
        for (var k = 0; k < count; k++)
        {
            var r = _rng.NextDouble();
            if (level < _options.MaxDepth && r < 0.35) statements.AddRange(NestedLoop(level, locals));
            else if (_options.Conditionals && r < 0.55) statements.Add(IfStatement(level));
            else statements.Add(Update());
        }
        if (_carriedIndex is not null && _rng.NextDouble() < 0.4)
        {
            Features.Add("carried int index");
            // m = (m + i + 1) % n
            statements.Insert(_rng.Next(statements.Count + 1),
                Expression.Assign(_carriedIndex, Expression.Modulo(Add(Add(_carriedIndex, counter), I(1)), Length)));
        }
        if (_options.Breaks && _rng.NextDouble() < 0.2)
        {
            var at = _rng.Next(statements.Count + 1);
            Features.Add(at == 0 ? "break first" : "break in the middle");
            var threshold = Math.Round(3 * _rng.NextDouble() - 0.5, 2);
            statements.Insert(at, BreakIf(Expression.GreaterThan(Pick(assignedBefore), C(threshold)), end));
        }
        foreach (var local in locals) _accumulators.Remove(local);
        return Expression.Block(typeof(void), locals, statements);
    }

    /// <summary>An inner loop; half the time with an accumulator of its own, folded into an outer one afterwards.</summary>
    private IEnumerable<Expression> NestedLoop(int level, List<ParameterExpression> locals)
    {
        if (_rng.NextDouble() < 0.5)
        {
            yield return LoopAt(level + 1);
            yield break;
        }
        Features.Add("local accumulator");
        var t = Double($"t{_names++}");
        var outer = Pick(_accumulators);
        locals.Add(t);
        yield return Expression.Assign(t, Expr(1));
        _accumulators.Add(t);
        yield return LoopAt(level + 1);
        yield return _rng.Next(2) == 0
            ? Expression.AddAssign(outer, Mul(C(Coefficient()), t))
            : Expression.Assign(outer, Add(Mul(outer, C(0.5)), Tanh(t)));
    }

    private Expression IfStatement(int level)
    {
        var condition = Condition();
        if (level < _options.MaxDepth && _rng.NextDouble() < 0.15)
        {
            Features.Add("loop in conditional");
            return Expression.IfThenElse(condition, LoopAt(level + 1), Update());
        }
        var whenTrue = _rng.Next(3) == 0 ? Statements(Update(), Update()) : Update();
        if (_rng.Next(2) == 0)
        {
            Features.Add("if");
            return Expression.IfThen(condition, whenTrue);
        }
        Features.Add("if/else");
        return Expression.IfThenElse(condition, whenTrue, Update());
    }

    private Expression Condition()
    {
        var r = _rng.Next(4);
        if (r == 0 && _counters.Count > 0)
        {
            Features.Add("condition on counters");
            var i = Pick(_counters);
            return _rng.Next(2) == 0
                ? Expression.Equal(Expression.Modulo(i, I(2)), I(0))
                : Expression.GreaterThan(i, Pick(_counters));
        }
        var left = r == 1 ? Pick(_accumulators) : Expr(1);
        var right = _rng.Next(2) == 0 ? C(Coefficient()) : Expr(1);
        return _rng.Next(4) switch
        {
            0 => Expression.GreaterThan(left, right),
            1 => Expression.LessThan(left, right),
            2 => Expression.GreaterThanOrEqual(left, right),
            _ => Expression.LessThanOrEqual(left, right),
        };
    }

    // --- updates and expressions ------------------------------------------------------------------------------------

    private Expression Update()
    {
        var a = Pick(_accumulators);
        var form = _rng.Next(9);
        Features.Add($"update {form}");
        return form switch
        {
            0 => Expression.AddAssign(a, Expr(2)),
            1 => Expression.SubtractAssign(a, Expr(2)),
            2 => Expression.Assign(a, Add(Mul(a, C(0.5)), Expr(2))),
            3 => Expression.MultiplyAssign(a, Tanh(Expr(2))),
            4 => Expression.Assign(a, Add(Sin(a), Expr(2))),
            5 => Expression.DivideAssign(a, Add(C(2), Sin(Expr(2)))),
            6 => Expression.Assign(a, Tanh(Mul(a, Expr(2)))),
            7 => Expression.Assign(a, Expr(2)),
            _ => _rng.Next(2) == 0 ? Expression.PreIncrementAssign(a) : Expression.PostDecrementAssign(a),
        };
    }

    private Expression Expr(int depth)
    {
        if (depth <= 0 || _rng.NextDouble() < 0.3) return Leaf();
        var r = _rng.Next(12);
        if (r == 11 && _options.Conditionals)
        {
            Features.Add("conditional expression");
            return Expression.Condition(Condition(), Expr(depth - 1), Expr(depth - 1));
        }
        return r switch
        {
            0 => Sin(Expr(depth - 1)),
            1 => Cos(Expr(depth - 1)),
            2 => Tanh(Expr(depth - 1)),
            3 => Exp(Tanh(Expr(depth - 1))),
            4 => Log(Add(C(1), Square(Expr(depth - 1)))),
            5 => Sqrt(Add(C(1), Square(Expr(depth - 1)))),
            6 => Expression.Negate(Expr(depth - 1)),
            7 => Add(Expr(depth - 1), Expr(depth - 1)),
            8 => Sub(Expr(depth - 1), Expr(depth - 1)),
            9 => Mul(Expr(depth - 1), Expr(depth - 1)),
            _ => Div(Expr(depth - 1), Add(C(2), Sin(Expr(depth - 1)))),
        };
    }

    private Expression Leaf()
    {
        var r = _rng.NextDouble();
        if (r < 0.5) return Xi(Index());
        if (r < 0.75)
        {
            var a = Pick(_accumulators);
            return _rng.Next(4) switch
            {
                0 => Tanh(a),
                1 => Sin(a),
                2 => Mul(C(0.1), a),
                _ => a,
            };
        }
        if (r < 0.9 || _counters.Count == 0) return C(Coefficient());
        Features.Add("counter as a value");
        return Mul(C(0.25), ToDouble(Pick(_counters)));
    }

    private Expression Index()
    {
        var r = _rng.Next(6);
        if (_counters.Count == 0 || r == 0) return I(_rng.Next(N));
        var i = Pick(_counters);
        switch (r)
        {
            case 1 or 2:
                return i;
            case 3:
                Features.Add("index (i + j) % n");
                return Expression.Modulo(Add(i, Pick(_counters)), Length);
            case 4:
                Features.Add("index n - 1 - i");
                return Sub(Sub(Length, I(1)), i);
            default:
                if (_carriedIndex is null) return i;
                Features.Add("index m");
                return _carriedIndex;
        }
    }
}
