using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>What the random loop programs may contain.</summary>
/// <param name="Conditionals">if/else statements and conditional expressions.</param>
/// <param name="Breaks">Data-dependent breaks at the top level of a loop body.</param>
/// <param name="MaxDepth">The deepest loop nest.</param>
/// <param name="Arrays">
/// Local arrays created before the loops (<c>new double[x.Length]</c>, <c>new double[k]</c>, <c>new[] { ... }</c>):
/// filled once and read later, accumulated into with <c>+=</c> and read after the loops, and (a quarter of them)
/// written and read anywhere, which the library may refuse at Differentiate time. Indices are computed and kept in
/// range, e.g. <c>(i * 3 + 1) % a.Length</c>.
/// </param>
/// <param name="FreeArrayShare">The share of local arrays that are read and written anywhere (the rest are split between filled-once and accumulated-into arrays).</param>
/// <param name="Jumps">Breaks and continues nested inside conditionals of loop bodies (the loops advance their counters before any continue).</param>
/// <param name="Returns">Returns from inside loops, nested loops and branches (the body ends with the return label and a fall-through value).</param>
/// <param name="ArraysInLoops">Arrays created at the start of a loop body (declared there, <c>new double[k]</c>, <c>new double[x.Length]</c> or an initializer), read and written anywhere in that body.</param>
/// <param name="OuterJumps">With <paramref name="Jumps"/>: some nested breaks and continues target an enclosing loop instead of the innermost one.</param>
/// <param name="Switches">Half the if/else statements (those with jumps too) are written as an <c>Expression.Switch</c> with several test values per case and a default.</param>
public sealed record LoopProgramOptions(bool Conditionals = true, bool Breaks = true, int MaxDepth = 3,
    bool Arrays = false, bool Jumps = false, bool Returns = false, double FreeArrayShare = 0.15, bool ArraysInLoops = false,
    bool OuterJumps = false, bool Switches = false)
{
    /// <summary>Everything on: local arrays, jumps nested in conditionals, returns.</summary>
    public static LoopProgramOptions All => new(Arrays: true, Jumps: true, Returns: true);
}

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
    private readonly List<LocalArray> _readable = [];
    private readonly List<LocalArray> _writable = [];
    private readonly List<LoopFrame> _frames = [];
    private LabelTarget? _return;
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
        if (_options.Arrays) CreateArrays(variables, statements);
        if (_options.Returns) _return = Expression.Label(typeof(double), "ret");
        var nests = _rng.Next(1, 3);
        for (var k = 0; k < nests; k++)
        {
            statements.Add(LoopAt(1));
            if (k + 1 < nests && _rng.NextDouble() < 0.5) statements.Add(Update());
            if (_return is not null && k + 1 < nests && _rng.NextDouble() < 0.3)
            {
                Features.Add("return between loops");
                statements.Add(Expression.IfThen(Condition(), Expression.Return(_return, Expr(2))));
            }
        }
        if (_options.Arrays) ReadAccumulatedArrays(statements);
        Expression result = C(0);
        foreach (var a in _accumulators)
            result = Add(result, _rng.Next(3) switch
            {
                0 => a,
                1 => Mul(C(Coefficient()), a),
                _ => Tanh(a),
            });
        if (_options.Arrays)
            foreach (var array in _readable)
                result = Add(result, ArrayRead(array));
        statements.Add(_return is null ? result : Expression.Label(_return, result));
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

        // With jumps, every loop has a continue label; the counter is advanced either first thing in the body
        // (so a bare continue is safe) or by each continue before it jumps.
        var advanceFirst = _options.Jumps && _rng.NextDouble() < 0.4;
        if (advanceFirst) Features.Add("advance first");

        Expression Up(Expression start, Expression end)
            => _options.Jumps
                ? JumpLoop(name, start, i => Expression.LessThan(i, end), step, style, shape, advanceFirst, Body)
                : For(name, start, end, Body, step, style, shape);

        Expression Down(Expression start, Expression last)
            => _options.Jumps
                ? JumpLoop(name, start, i => Expression.GreaterThanOrEqual(i, last), -step, style, shape, advanceFirst, Body)
                : ForDown(name, start, last, Body, step, style, shape);

        var kind = _rng.Next(_counters.Count > 0 ? 6 : 4);
        switch (kind)
        {
            case 0:
                Features.Add("range [0, n)");
                return Up(I(0), Length);
            case 1:
                var end = _rng.Next(0, N + 1);
                Features.Add(end == 0 ? "zero trips" : "constant range");
                return Up(I(0), I(end));
            case 2:
                Features.Add("count down");
                return Down(Sub(Length, I(1)), I(0));
            case 3:
                Features.Add("range [1, n)");
                return Up(I(1), Length);
            case 4:
                Features.Add("dependent range");
                var j = Pick(_counters);
                return _rng.Next(2) == 0
                    ? Up(I(0), Add(j, I(1)))
                    : Up(j, Length);
            default:
                Features.Add("count down to enclosing counter");
                return Down(Sub(Length, I(1)), Pick(_counters));
        }
    }

    /// <summary>
    /// A counted loop with a continue label (<see cref="LoopBuilders"/>' loops have none):
    /// <c>i = start - step; loop { i += step; if (!cond) break; body }</c> when <paramref name="advanceFirst"/>,
    /// else the shapes of <see cref="LoopBuilders.For(string, Expression, Expression, Func{ParameterExpression, LabelTarget, Expression}, int, StepStyle, LoopShape)"/>,
    /// whose continues then advance the counter themselves.
    /// </summary>
    private Expression JumpLoop(string name, Expression start, Func<ParameterExpression, Expression> condition, int signedStep,
        StepStyle style, LoopShape shape, bool advanceFirst, Func<ParameterExpression, LabelTarget, Expression> makeBody)
    {
        var i = Int(name);
        var end = Expression.Label("end_" + name);
        var next = Expression.Label("next_" + name);
        var frame = new LoopFrame(end, next, advanceFirst ? null : () => Advance(i, signedStep, style));
        _frames.Add(frame);
        var body = makeBody(i, end);
        _frames.RemoveAt(_frames.Count - 1);
        var continueLabel = frame.Continues ? next : null;
        var test = condition(i);
        if (advanceFirst)
            return Expression.Block(typeof(void), [i],
                Expression.Assign(i, Expression.Subtract(start, I(signedStep))),
                Expression.Loop(Statements(Advance(i, signedStep, style), Expression.IfThen(Expression.Not(test), Expression.Break(end)), body), end, continueLabel));
        var loopBody = shape switch
        {
            LoopShape.Guarded => Expression.IfThenElse(test, Statements(body, Advance(i, signedStep, style)), Expression.Break(end)),
            _ => Statements(Expression.IfThen(Expression.Not(test), Expression.Break(end)), body, Advance(i, signedStep, style)),
        };
        return Expression.Block(typeof(void), [i], Expression.Assign(i, start), Expression.Loop(loopBody, end, continueLabel));
    }

    private Expression LoopBody(int level, ParameterExpression counter, LabelTarget end)
    {
        var locals = new List<ParameterExpression>();
        var statements = new List<Expression>();
        // A break may test only accumulators assigned before this body starts: an accumulator local to the
        // body could be read before its assignment in the iteration, which C# would not allow.
        var assignedBefore = _accumulators.ToList();
        (LocalArray Array, Expression Creation)? created = _options.ArraysInLoops && _rng.NextDouble() < 0.35 ? ArrayCreatedInTheBody(locals) : null;
        var count = _rng.Next(1, 4);
        for (var k = 0; k < count; k++)
        {
            if (_options.Jumps && _rng.NextDouble() < 0.2)
            {
                statements.Add(JumpStatement());
                continue;
            }
            if (_return is not null && _rng.NextDouble() < 0.12)
            {
                Features.Add("return in loop");
                statements.Add(Expression.IfThen(Condition(), Expression.Return(_return, Expr(2))));
                continue;
            }
            if (_options.Arrays && _writable.Count > 0 && _rng.NextDouble() < 0.25)
            {
                statements.Add(ArrayUpdate());
                continue;
            }
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
        if (created is var (array, creation))
        {
            statements.Insert(0, creation);
            _readable.Remove(array);
            _writable.Remove(array);
        }
        return Expression.Block(typeof(void), locals, statements);
    }

    /// <summary>An array declared in the loop body and created first in it, readable and writable in the rest of the body.</summary>
    private (LocalArray Array, Expression Creation) ArrayCreatedInTheBody(List<ParameterExpression> locals)
    {
        var variable = Expression.Variable(typeof(double[]), $"c{_names++}");
        locals.Add(variable);
        int length;
        var lengthIsN = false;
        Expression create;
        switch (_rng.Next(3))
        {
            case 0:
                Features.Add("array new double[n] in a loop");
                length = N;
                lengthIsN = true;
                create = Expression.NewArrayBounds(typeof(double), Length);
                break;
            case 1:
                Features.Add("array new double[k] in a loop");
                length = _rng.Next(1, 5);
                create = Expression.NewArrayBounds(typeof(double), I(length));
                break;
            default:
                Features.Add("array initializer in a loop");
                length = _rng.Next(1, 4);
                create = Expression.NewArrayInit(typeof(double), Enumerable.Range(0, length).Select(_ => Expr(1)).ToArray());
                break;
        }
        var array = new LocalArray(variable, length, lengthIsN, ArrayRole.Free);
        _readable.Add(array);
        _writable.Add(array);
        return (array, Expression.Assign(variable, create));
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
        return IfElse(condition, whenTrue, Update());
    }

    /// <summary>
    /// <c>if (condition) whenTrue else whenFalse</c>; with <see cref="LoopProgramOptions.Switches"/>, half the time as
    /// <c>switch (condition ? 0 or 1 : 2 or 3) { case 0, 1: whenTrue; case 2: whenFalse; default: whenFalse; case 5: }</c>: the
    /// same whenFalse node twice (a DAG, as hand-built switches often are; nested, the paths multiply), and a case never taken.
    /// </summary>
    private Expression IfElse(Expression condition, Expression whenTrue, Expression whenFalse)
    {
        if (!_options.Switches || _rng.Next(2) == 0) return Expression.IfThenElse(condition, whenTrue, whenFalse);
        Features.Add("switch");
        var selector = Expression.Condition(condition, I(_rng.Next(2)), I(2 + _rng.Next(2)));
        return Expression.Switch(typeof(void), selector, whenFalse, null,
            Expression.SwitchCase(whenTrue, I(0), I(1)), Expression.SwitchCase(whenFalse, I(2)), Expression.SwitchCase(Expression.Empty(), I(5)));
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
        if (_options.Arrays && _writable.Count > 0 && _rng.NextDouble() < 0.2) return ArrayUpdate();
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
        if (_options.Arrays && _readable.Count > 0 && _rng.NextDouble() < 0.2) return ArrayRead(Pick(_readable));
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

    // --- jumps nested in conditionals ---------------------------------------------------------------------------

    /// <summary>The innermost loop being generated: its labels and, unless it advances first, how a continue advances its counter.</summary>
    private sealed record LoopFrame(LabelTarget Break, LabelTarget Continue, Func<Expression>? Advance)
    {
        /// <summary>Whether a continue was generated: only then does the loop get its continue label.</summary>
        public bool Continues { get; set; }
    }

    /// <summary>
    /// A conditional with a break, continue or return of the innermost loop nested one to three levels deep in
    /// its branches, with updates before and between; statements after a jump in the same block are never generated.
    /// </summary>
    private Expression JumpStatement()
    {
        var innermost = _frames[^1];

        Expression Jump()
        {
            var frame = innermost;
            if (_options.OuterJumps && _frames.Count > 1 && _rng.NextDouble() < 0.5)
            {
                frame = _frames[_rng.Next(_frames.Count - 1)];
                Features.Add("jump to an enclosing loop");
            }
            var r = _rng.NextDouble();
            if (_return is not null && r < 0.25)
            {
                Features.Add("return nested in a conditional");
                return Expression.Return(_return, Expr(2));
            }
            if (r < 0.8)
            {
                Features.Add("nested break");
                return Expression.Break(frame.Break);
            }
            frame.Continues = true;
            if (frame.Advance is null)
            {
                Features.Add("nested continue");
                return Expression.Continue(frame.Continue);
            }
            Features.Add("nested continue after advancing");
            return Statements(frame.Advance(), Expression.Continue(frame.Continue));
        }

        Expression EndingInAJump(int depth)
        {
            var parts = new List<Expression>();
            if (_rng.Next(2) == 0) parts.Add(Update());
            if (depth > 1 && _rng.Next(2) == 0)
            {
                Features.Add("jump two conditionals deep");
                parts.Add(_rng.Next(2) == 0
                    ? Expression.IfThen(Condition(), EndingInAJump(depth - 1))
                    : Expression.IfThenElse(Condition(), Update(), EndingInAJump(depth - 1)));
                if (_rng.Next(2) == 0) parts.Add(Update());
            }
            parts.Add(Jump());
            return Statements([.. parts]);
        }

        var depth = _rng.Next(1, 4);
        switch (_rng.Next(7))
        {
            case 0 or 1 or 2:
                Features.Add("jump in if");
                return Expression.IfThen(Condition(), EndingInAJump(depth));
            case 3 or 4:
                Features.Add("jump in then-branch");
                return IfElse(Condition(), EndingInAJump(depth), Update());
            case 5:
                Features.Add("jump in else-branch");
                return IfElse(Condition(), Update(), EndingInAJump(depth));
            default:
                Features.Add("jumps in both branches");
                return IfElse(Condition(), EndingInAJump(depth), EndingInAJump(1));
        }
    }

    // --- local arrays -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Fill: written once before the loops (by a loop or element by element), read anywhere after. Accumulate:
    /// only <c>+=</c> / <c>-=</c> in the loops, read after the last of them. Free: read and written anywhere,
    /// including <c>*=</c> and <c>a[k] = f(a[j])</c> in loops, which the library may refuse.
    /// </summary>
    public enum ArrayRole { Fill, Accumulate, Free }

    private sealed record LocalArray(ParameterExpression Variable, int Length, bool LengthIsN, ArrayRole Role);

    /// <summary>Whether the program has an array that is read and written anywhere (the kind the library refused before it kept what overwritten arrays held).</summary>
    public bool HasFreeArray { get; private set; }

    private void CreateArrays(List<ParameterExpression> variables, List<Expression> statements)
    {
        var count = _rng.Next(1, 3);
        for (var k = 0; k < count; k++)
        {
            var b = Expression.Variable(typeof(double[]), $"b{k}");
            variables.Add(b);
            int length;
            var lengthIsN = false;
            Expression create;
            switch (_rng.Next(4))
            {
                case 0 or 1:
                    Features.Add("array new double[n]");
                    length = N;
                    lengthIsN = true;
                    create = Expression.NewArrayBounds(typeof(double), Length);
                    break;
                case 2:
                    Features.Add("array new double[k]");
                    length = _rng.Next(1, 5);
                    create = Expression.NewArrayBounds(typeof(double), I(length));
                    break;
                default:
                    Features.Add("array initializer");
                    length = _rng.Next(1, 5);
                    create = Expression.NewArrayInit(typeof(double), Enumerable.Range(0, length).Select(_ => InitialValue()).ToArray());
                    break;
            }
            var r = _rng.NextDouble();
            var role = r >= 1 - _options.FreeArrayShare ? ArrayRole.Free : r < 0.5 * (1 - _options.FreeArrayShare) ? ArrayRole.Fill : ArrayRole.Accumulate;
            Features.Add($"array role {role}");
            var array = new LocalArray(b, length, lengthIsN, role);
            statements.Add(Expression.Assign(b, create));
            switch (role)
            {
                case ArrayRole.Fill:
                    statements.Add(Fill(array));
                    _readable.Add(array);
                    break;
                case ArrayRole.Accumulate:
                    _writable.Add(array);
                    break;
                default:
                    HasFreeArray = true;
                    _readable.Add(array);
                    _writable.Add(array);
                    break;
            }
        }
    }

    /// <summary>Writes every element once (or, for a short array filled by a loop over x, some elements several times, unread in between).</summary>
    private Expression Fill(LocalArray array)
    {
        if (_rng.NextDouble() < 0.3)
        {
            Features.Add("fill element by element");
            return Statements(Enumerable.Range(0, array.Length)
                .Select(k => (Expression)Expression.Assign(Expression.ArrayAccess(array.Variable, I(k)), Expr(2))).ToArray());
        }
        Features.Add("fill loop");
        var down = _rng.Next(2) == 0;
        Expression Body(ParameterExpression i)
        {
            _counters.Add(i);
            var index = array.LengthIsN ? (Expression)i : Expression.Modulo(i, Expression.ArrayLength(array.Variable));
            Expression body = Expression.Assign(Expression.ArrayAccess(array.Variable, index), Expr(2));
            if (_rng.Next(3) == 0) body = Statements(body, Update());
            _counters.Remove(i);
            return body;
        }
        var name = $"i{_names++}";
        return down ? ForDown(name, Sub(Length, I(1)), I(0), Body) : For(name, I(0), Length, Body, style: (StepStyle)_rng.Next(5));
    }

    /// <summary>After the loops: accumulated arrays become readable, and half the time one more loop nest reads them.</summary>
    private void ReadAccumulatedArrays(List<Expression> statements)
    {
        var accumulated = _writable.Where(a => a.Role == ArrayRole.Accumulate).ToList();
        if (accumulated.Count == 0) return;
        _writable.RemoveAll(a => a.Role == ArrayRole.Accumulate);
        _readable.AddRange(accumulated);
        if (_rng.Next(2) == 0)
        {
            Features.Add("accumulated array read in a later loop");
            statements.Add(LoopAt(1));
        }
    }

    private Expression ArrayUpdate()
    {
        var array = Pick(_writable);
        var target = Expression.ArrayAccess(array.Variable, ArrayIndex(array));
        if (array.Role == ArrayRole.Accumulate)
        {
            Features.Add("array +=");
            return _rng.Next(5) == 0 ? Expression.SubtractAssign(target, Expr(2)) : Expression.AddAssign(target, Expr(2));
        }
        var form = _rng.Next(5);
        Features.Add($"free array update {form}");
        return form switch
        {
            0 => Expression.Assign(target, Expr(2)),
            1 => Expression.AddAssign(target, Expr(2)),
            2 => Expression.MultiplyAssign(target, Tanh(Expr(1))),
            3 => Expression.Assign(target, Add(Mul(C(0.5), Expression.ArrayAccess(array.Variable, ArrayIndex(array))), Expr(1))),
            _ => Expression.AddAssign(target, Mul(Tanh(Expression.ArrayAccess(array.Variable, ArrayIndex(array))), Expr(1))),
        };
    }

    private Expression ArrayRead(LocalArray array)
    {
        var index = ArrayIndex(array);
        Expression read;
        if (_rng.Next(2) == 0)
        {
            Features.Add("array read ArrayIndex");
            read = Expression.ArrayIndex(array.Variable, index);
        }
        else
        {
            Features.Add("array read ArrayAccess");
            read = Expression.ArrayAccess(array.Variable, index);
        }
        return _rng.Next(4) switch
        {
            0 => Tanh(read),
            1 => Sin(read),
            2 => Mul(C(0.1), read),
            _ => read,
        };
    }

    /// <summary>An index in [0, length): counters are in [0, n) inside loop bodies, so every form here is in range.</summary>
    private Expression ArrayIndex(LocalArray array)
    {
        var length = Expression.ArrayLength(array.Variable);
        var r = _rng.Next(6);
        if (_counters.Count == 0 || r == 0)
        {
            Features.Add("array index constant");
            return I(_rng.Next(array.Length));
        }
        var i = Pick(_counters);
        switch (r)
        {
            case 1:
                Features.Add(array.LengthIsN ? "array index i" : "array index i % length");
                return array.LengthIsN ? i : Expression.Modulo(i, length);
            case 2:
                Features.Add("array index (3i + k) % length");
                return Expression.Modulo(Add(Mul(i, I(3)), I(_rng.Next(4))), length);
            case 3:
                Features.Add("array index (i + j) % length");
                return Expression.Modulo(Add(i, Pick(_counters)), length);
            case 4 when array.LengthIsN:
                Features.Add("array index length - 1 - i");
                return Sub(Sub(length, I(1)), i);
            default:
                if (_carriedIndex is null) return Expression.Modulo(i, length);
                Features.Add("array index m % length");
                return Expression.Modulo(_carriedIndex, length);
        }
    }
}
