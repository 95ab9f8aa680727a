using System.Linq.Expressions;
using static ExprAD.Tests.Loops.LoopBuilders;

namespace ExprAD.Tests.Loops;

/// <summary>
/// Random loop programs built around scratch arrays (<see cref="ScratchArrayTests"/>): 1-3 local arrays of length
/// 1..4 (or x.Length) created before the loops, 1-2 top-level loop nests up to 3 deep with trip counts 0..4, whose
/// bodies start by refilling some of the arrays (a counted fill loop, possibly reading back what it stored or
/// computing each element by a nested reduction, or Array.Clear) and then read them: reductions and recurrences
/// over a[j], straight-line reads, branches on and with array reads, <c>a[j] += ...</c> over a range after the fill,
/// inner loops refilling the same array (siblings too) followed by reads covered only by the outer fill, stores into
/// an array an enclosing iteration filled, second and conditional refills, data-dependent breaks; the accumulators are
/// sums (fused reverse) or recurrences and products (recorded reverse), the loss used linearly or not.
/// </summary>
/// <remarks>
/// <para>
/// With probability <see cref="DefectRate"/> per opportunity the generator also breaks the scratch discipline:
/// a read before the fill, a fill one element short, a conditional or doubled store, a fill reading the old
/// element, a fill counting down or from 1, a read of an array no enclosing iteration filled (or that only an inner
/// loop filled), a read after the loops. The library must refuse such programs or differentiate them exactly
/// (they are ordinary programs whose arrays carry values between iterations); <see cref="Defects"/> lists them.
/// </para>
/// <para>
/// Everything is finite and moderate by construction: accumulators enter expressions only through tanh, exp only
/// of tanh, recurrences are contractions (0.7 s + ...) or products of factors 1 + 0.1 tanh(.). Breaks test x against
/// a constant (finite differences never see them flip). Every index is in range: x is indexed by constants below n or by
/// (i + c) % x.Length, arrays by their own fill or scan counter, by constants, or by (i + c) % length, and all
/// counters are non-negative.
/// </para>
/// </remarks>
public sealed class ScratchProgramGenerator
{
    private static readonly System.Reflection.MethodInfo ArrayClear = typeof(Array).GetMethod(nameof(Array.Clear), [typeof(Array)])!;

    private readonly Random _rng;
    private readonly List<Scratch> _arrays = [];
    private readonly List<Counter> _counters = [];
    private readonly List<Accumulator> _accumulators = [];
    private int _names;

    /// <summary>A local array: its variable, its length (x.Length when <see cref="LengthIsN"/>, then equal to <see cref="N"/>).</summary>
    private sealed record Scratch(ParameterExpression Variable, int Length, bool LengthIsN);

    /// <summary>A loop counter in scope, always &gt;= 0; <see cref="Bound"/> is its exclusive upper bound when it is a constant.</summary>
    private sealed record Counter(ParameterExpression Variable, int? Bound);

    /// <summary>A double accumulator in scope; a sum is mostly updated by <c>+=</c> (fused reductions), a recurrence by contractions and products.</summary>
    private sealed record Accumulator(ParameterExpression Variable, bool Recurrence);

    /// <param name="seed">The program's seed.</param>
    /// <param name="defectiveShare">The share of programs with deliberate defects.</param>
    /// <param name="defectRate">In those, the probability of each defect.</param>
    /// <param name="breakRate">The probability of a data-dependent break in a loop body (at its start or right after its fills).</param>
    /// <param name="lateBreakRate">The probability of a data-dependent break anywhere later in a loop body (after nested loops, say).</param>
    public ScratchProgramGenerator(int seed, double defectiveShare = 0.35, double defectRate = 0.1, double breakRate = 0.08, double lateBreakRate = 0)
    {
        _rng = new Random(seed);
        N = _rng.Next(1, 6);
        DefectRate = _rng.NextDouble() < defectiveShare ? defectRate : 0;
        _breakRate = breakRate;
        _lateBreakRate = lateBreakRate;
    }

    private readonly double _breakRate;
    private readonly double _lateBreakRate;

    /// <summary>The length of x the program is meant for.</summary>
    public int N { get; }

    /// <summary>The probability of each deliberate break of the scratch discipline (0 in the programs drawn to have none).</summary>
    public double DefectRate { get; }

    /// <summary>The constructs used, for the coverage test and the statistics.</summary>
    public HashSet<string> Features { get; } = [];

    /// <summary>The deliberate breaks of the scratch discipline in this program (empty: every read is covered by a fill of its iteration).</summary>
    public List<string> Defects { get; } = [];

    private bool Defect(string name)
    {
        if (_rng.NextDouble() >= DefectRate) return false;
        Defects.Add(name);
        Features.Add("defect " + name);
        return true;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private bool Chance(double p) => _rng.NextDouble() < p;

    private double Coefficient() => Math.Round(2 * _rng.NextDouble() - 1, 2);

    // --- the program ------------------------------------------------------------------------------------------------

    public Expression<Func<double[], double>> Program()
    {
        var variables = new List<ParameterExpression>();
        var statements = new List<Expression>();

        var loss = Double("loss");
        variables.Add(loss);
        statements.Add(Expression.Assign(loss, Chance(0.5) ? C(0) : Mul(C(0.5), Xi(_rng.Next(N)))));
        _accumulators.Add(new Accumulator(loss, Recurrence: false));
        if (Chance(0.6))
        {
            var s = Double("s");
            variables.Add(s);
            statements.Add(Expression.Assign(s, Chance(0.5) ? C(1) : Xi(_rng.Next(N))));
            _accumulators.Add(new Accumulator(s, Recurrence: true));
            Features.Add("recurrence accumulator");
        }

        var count = _rng.Next(1, 4);
        Features.Add($"{count} arrays");
        for (var k = 0; k < count; k++)
        {
            var a = Expression.Variable(typeof(double[]), $"h{k}");
            variables.Add(a);
            var lengthIsN = N <= 4 && Chance(0.2);
            var length = lengthIsN ? N : _rng.Next(1, 5);
            Features.Add(lengthIsN ? "array new double[x.Length]" : $"array length {length}");
            _arrays.Add(new Scratch(a, length, lengthIsN));
            statements.Add(Expression.Assign(a, Expression.NewArrayBounds(typeof(double), lengthIsN ? Length : I(length))));
        }

        if (Chance(0.1))
        {
            // Filled once before the loops, outside any loop: no owner, an ordinary local array until a loop refills it.
            Features.Add("fill before the loops");
            var array = Pick(_arrays);
            statements.Add(Fill(array, []));
        }

        var nests = Chance(0.35) ? 2 : 1;
        var earlierFills = new HashSet<Scratch>();
        for (var k = 0; k < nests; k++)
        {
            if (k > 0) Features.Add("two top-level loops");
            var (loop, fills) = Loop(1, []);
            if (earlierFills.Overlaps(fills)) Features.Add("sibling loops refilling the same array");
            earlierFills.UnionWith(fills);
            statements.Add(loop);
            if (Chance(0.1))
            {
                // Stores (no reads) after a loop that refills the array: they change what the loop's reverse would read again.
                Features.Add(k + 1 < nests ? "store between the top-level loops" : "store after the loops");
                var array = Pick(_arrays);
                statements.Add(Expression.Assign(Expression.ArrayAccess(array.Variable, I(_rng.Next(array.Length))), Tanh(XTerm())));
            }
        }

        if (Defect("read after the loops"))
        {
            var array = Pick(_arrays);
            statements.Add(Expression.AddAssign(loss, Mul(Xi(_rng.Next(N)), Expression.ArrayAccess(array.Variable, I(_rng.Next(array.Length))))));
        }

        // A loss used nonlinearly passes a non-constant adjoint to the loops: they are recorded, not fused.
        Expression result = _rng.Next(4) switch
        {
            0 => Tanh(loss),
            1 => Mul(loss, Add(C(1), Mul(C(0.1), Sin(loss)))),
            _ => loss,
        };
        if (result != loss) Features.Add("loss used nonlinearly");
        foreach (var acc in _accumulators.Skip(1))
            result = Add(result, Chance(0.5) ? Mul(C(0.3), acc.Variable) : Tanh(acc.Variable));
        statements.Add(result);
        return Lambda(Expression.Block(variables, statements));
    }

    // --- loops ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// A counted loop over 0..4 trips (or x.Length) whose body starts with fills; <paramref name="filled"/>: the arrays
    /// filled earlier in the enclosing iterations. Also returns the arrays its body fills.
    /// </summary>
    private (Expression Loop, HashSet<Scratch> Fills) Loop(int level, HashSet<Scratch> filled)
    {
        Features.Add($"depth {level}");
        var (end, bound) = TripCount();
        var style = (StepStyle)_rng.Next(5);
        var shape = (LoopShape)_rng.Next(2);
        HashSet<Scratch> fills = [];
        Expression MakeBody(ParameterExpression i, LabelTarget exit)
        {
            _counters.Add(new Counter(i, bound));
            var (body, bodyFills) = Body(level, filled, exit, shape);
            fills = bodyFills;
            _counters.RemoveAt(_counters.Count - 1);
            return body;
        }
        if (Chance(0.15))
        {
            Features.Add("loop counting down");
            return (ForDown($"i{_names++}", Sub(end, I(1)), I(0), MakeBody, style: style, shape: shape), fills);
        }
        var loop = For($"i{_names++}", I(0), end, MakeBody, style: style, shape: shape);
        return (loop, fills);
    }

    private (Expression End, int? Bound) TripCount()
    {
        if (N <= 4 && Chance(0.2))
        {
            Features.Add("trips x.Length");
            return (Length, null);
        }
        var trips = _rng.Next(0, 5);
        Features.Add($"trips {trips}");
        return (I(trips), trips);
    }

    private (Expression Body, HashSet<Scratch> Fills) Body(int level, HashSet<Scratch> outer, LabelTarget exit, LoopShape shape)
    {
        var locals = new List<ParameterExpression>();
        var statements = new List<Expression>();
        var filled = new HashSet<Scratch>(outer);
        var filledHere = new HashSet<Scratch>();

        if (Defect("read before the fill")) statements.Add(Update(ArrayTerm(Pick(_arrays))));

        foreach (var array in _arrays.OrderBy(_ => _rng.Next()))
        {
            var p = filled.Contains(array) ? 0.12 : level == 1 ? 0.8 : 0.45;
            if (!Chance(p)) continue;
            if (filled.Contains(array)) Features.Add("refill of an array an outer loop filled");
            Features.Add($"fill at depth {level}");
            statements.Add(Fill(array, filled));
            filled.Add(array);
            filledHere.Add(array);
            // a[j] += ... right after the fill, before any read of the array (after a read, the reverse of that read
            // would need the overwritten value: refused like a second fill).
            if (Chance(0.35))
            {
                Features.Add("array update right after its fill");
                var updates = _rng.Next(1, 3);
                for (var k = 0; k < updates; k++) statements.Add(AccumulateIntoArray(array, filled));
            }
        }

        if (Chance(_breakRate))
        {
            // A data-dependent exit (finite differences never see it flip: x is never within a step of the threshold).
            var before = Chance(0.3);
            Features.Add((before ? "break before the fills" : "break after the fills") + $" ({shape})");
            statements.Insert(before ? 0 : statements.Count, BreakIf(Expression.GreaterThan(XTerm(), C(Coefficient())), exit));
        }

        if (filled.Count > 0 && Chance(0.06))
        {
            // The array filled again later in the same iteration, by a plain fill or one under a condition.
            var array = Pick(filled.ToList());
            var again = Fill(array, filled);
            if (Chance(0.5))
            {
                Features.Add("conditional refill");
                again = Expression.IfThen(Expression.GreaterThan(XTerm(), C(Coefficient())), again);
            }
            else Features.Add("second fill in the same iteration");
            statements.Add(Update(Term(2, filled.ToList())));
            statements.Add(again);
        }

        var nestedFills = new HashSet<Scratch>();
        var count = _rng.Next(1, 4);
        for (var k = 0; k < count; k++)
        {
            var r = _rng.NextDouble();
            if (level < 3 && r < 0.3)
            {
                statements.AddRange(Nested(level, filled, locals, nestedFills));
                continue;
            }
            var readable = filled.ToList();
            if (Defect("read of an array not filled in this iteration")) readable = [.. _arrays];
            if (readable.Count == 0)
            {
                Features.Add("body without fills");
                statements.Add(Update(Term(2, [])));
                continue;
            }
            if (r < 0.38 && Chance(0.25))
            {
                // Accumulating into an array filled by an enclosing iteration, not this one, carries values from one
                // iteration of this loop to the next through the array: only as a defect.
                var owned = filledHere.Count > 0 && !Defect("accumulation into an array this iteration did not fill") ? filledHere.ToList() : readable;
                Features.Add("array update after reads");
                statements.Add(AccumulateIntoArray(Pick(owned), filled));
            }
            else if (r < 0.38 && filled.Except(filledHere).ToList() is { Count: > 0 } enclosing && Chance(0.25))
            {
                // Stores (no reads) into an array an enclosing iteration filled: what a read after this loop sees.
                Features.Add("store into an array an enclosing iteration filled");
                statements.Add(Store(Pick(enclosing), filled));
            }
            else if (r < 0.65) statements.Add(Scan(Pick(readable), filled));
            else if (r < 0.8) statements.Add(Branch(level, readable, filled));
            else statements.Add(Update(Term(2, readable)));
        }
        if (_lateBreakRate > 0 && statements.Count > 0 && Chance(_lateBreakRate))
        {
            Features.Add($"late break ({shape})");
            statements.Insert(_rng.Next(1, statements.Count + 1), BreakIf(Expression.GreaterThan(XTerm(), C(Coefficient())), exit));
        }
        return (Expression.Block(typeof(void), locals, statements), filledHere);
    }

    /// <summary>
    /// An inner loop; half the time into an accumulator of this iteration, folded into an outer one after it; maybe
    /// a read of the arrays after it (the same read node as one before it, now and then).
    /// </summary>
    private IEnumerable<Expression> Nested(int level, HashSet<Scratch> filled, List<ParameterExpression> locals, HashSet<Scratch> siblingFills)
    {
        Expression? shared = null;
        if (filled.Count > 0 && Chance(0.2))
        {
            Features.Add("same read node before and after an inner loop");
            var array = Pick(filled.ToList());
            shared = Expression.ArrayAccess(array.Variable, I(_rng.Next(array.Length)));
            yield return Update(Tanh(shared));
        }
        Accumulator? local = null;
        if (Chance(0.5))
        {
            Features.Add("iteration accumulator");
            local = new Accumulator(Double($"t{_names++}"), Recurrence: Chance(0.4));
            locals.Add(local.Variable);
            yield return Expression.Assign(local.Variable, local.Recurrence ? C(1) : C(0));
        }
        var outer = Pick(_accumulators);
        if (local is not null) _accumulators.Add(local);
        var (loop, fills) = Loop(level + 1, filled);
        if (siblingFills.Overlaps(fills)) Features.Add("sibling loops refilling the same array");
        siblingFills.UnionWith(fills);
        yield return loop;
        if (local is not null)
        {
            _accumulators.Remove(local);
            yield return outer.Recurrence
                ? Expression.Assign(outer.Variable, Add(Mul(C(0.7), outer.Variable), Tanh(local.Variable)))
                : Expression.AddAssign(outer.Variable, Mul(C(Coefficient()), local.Variable));
        }
        if (shared is not null) yield return Update(Mul(XTerm(), shared));
        var refilled = fills.Intersect(filled).ToList();
        if (refilled.Count > 0 && Chance(0.7))
        {
            // Covered only by the fill of this iteration, after an inner loop that refilled the array.
            Features.Add("read after an inner refill");
            yield return Update(ArrayTerm(Pick(refilled)));
        }
        else if (filled.Count > 0 && Chance(0.4))
        {
            Features.Add("read after an inner loop");
            yield return Update(ArrayTerm(Pick(filled.ToList())));
        }
    }

    // --- fills --------------------------------------------------------------------------------------------------------

    /// <summary>
    /// <c>for (j = 0; j &lt; length; j++) { a[j] = v(j); [reads of a[j]] }</c>, or <c>Array.Clear(a)</c> then maybe
    /// <c>a[j] += ...</c>; some broken variants (see <see cref="Defects"/>).
    /// </summary>
    private Expression Fill(Scratch array, HashSet<Scratch> filled)
    {
        if (Chance(0.12))
        {
            Features.Add("fill Array.Clear");
            var clear = Expression.Call(ArrayClear, array.Variable);
            return Chance(0.7) ? Statements(clear, AccumulateIntoArray(array, [.. filled, array])) : clear;
        }
        var others = filled.Where(a => a != array).ToList();
        var length = array.Length;
        Expression bound = I(length);
        if (array.LengthIsN && Chance(0.9))
        {
            Features.Add("fill to x.Length");
            bound = Length;
        }
        else if (Chance(0.05))
        {
            Features.Add("fill to a.Length");
            bound = Expression.ArrayLength(array.Variable);
        }
        if (Defect("fill one short")) bound = I(length - 1);
        var fromOne = Defect("fill from 1");
        var down = !fromOne && Defect("fill counting down");
        var conditional = Defect("conditional store");
        var readsOld = Defect("fill reads the old element");
        var twice = Defect("fill stores twice");
        var previous = !down && !fromOne && Defect("fill reads the previous element");
        // Reads back what the fill stored: linearly (the reverse needs no value of the load), or needing the value.
        var readBack = Chance(0.3) ? _rng.Next(20) switch { < 11 => 0, < 14 => 1, _ => 2 } : -1;
        if (readBack >= 0) Features.Add($"fill reads back {readBack}");

        Expression MakeBody(ParameterExpression j)
        {
            _counters.Add(new Counter(j, length));
            var target = Expression.ArrayAccess(array.Variable, j);
            var value = FillValue(j, others, length);
            if (readsOld) value = Add(value, Mul(C(0.5), target));
            // a[j] = v + (j > 0 ? 0.5 a[j - 1] : 0): only elements this fill stored, but not the read-back a fill may have.
            if (previous)
                value = Add(value, Expression.Condition(Expression.GreaterThan(j, I(0)),
                    Mul(C(0.5), Expression.ArrayAccess(array.Variable, Sub(j, I(1)))), C(0.0)));
            Expression store = Expression.Assign(target, value);
            if (conditional)
                store = Expression.IfThen(Expression.GreaterThan(Xi(XIndex()), C(Coefficient())), store);
            var statements = new List<Expression> { store };
            if (twice) statements.Add(Expression.Assign(target, Mul(C(0.5), target)));
            switch (readBack)
            {
                case 0:
                    var sum = _accumulators.Where(a => !a.Recurrence).ToList() is { Count: > 0 } sums ? Pick(sums) : Pick(_accumulators);
                    statements.Add(Expression.AddAssign(sum.Variable, Chance(0.5) ? target : Mul(C(Coefficient()), target)));
                    break;
                case 1:
                    statements.Add(Update(Chance(0.5) ? Mul(XTerm(), target) : Mul(target, target)));
                    break;
                case 2:
                    // Another array filled from this one as it goes (only elements j of both).
                    if (others.FirstOrDefault(o => o.Length == length) is { } twin)
                    {
                        Features.Add("fill reads back into another array's element");
                        statements.Add(Expression.AddAssign(Expression.ArrayAccess(twin.Variable, j), Mul(C(0.5), target)));
                    }
                    else statements.Add(Update(Mul(C(0.5), target)));
                    break;
            }
            _counters.RemoveAt(_counters.Count - 1);
            return Statements([.. statements]);
        }

        var name = $"j{_names++}";
        var style = (StepStyle)_rng.Next(5);
        var shape = (LoopShape)_rng.Next(2);
        Features.Add($"fill style {style}");
        Features.Add($"fill shape {shape}");
        if (down) return ForDown(name, I(length - 1), I(0), MakeBody, style: style, shape: shape);
        return For(name, fromOne ? I(1) : I(0), bound, MakeBody, style: style, shape: shape);
    }

    /// <summary>The value stored into a[j]: from x, the counters, other filled arrays, sometimes through a nested reduction (a hidden unit's pre-activation).</summary>
    private Expression FillValue(ParameterExpression j, List<Scratch> others, int length)
    {
        var r = _rng.Next(4);
        if (r == 0)
        {
            // s = x[c + j]; for (k = 0; k < K; k++) s += x[(j + k + c) % n] * (source); act(s)
            Features.Add("fill value by a nested reduction");
            var s = Double($"u{_names++}");
            var trips = _rng.Next(1, 4);
            var source = others.Count > 0 && Chance(0.6) ? Pick(others) : null;
            var c = _rng.Next(N);
            var block = Expression.Block(typeof(double), [s],
                Expression.Assign(s, Xi(Expression.Modulo(Add(j, I(c)), Length))),
                For($"k{_names++}", I(0), source is null ? I(trips) : I(source.Length), k =>
                {
                    Expression input = source is null
                        ? Mul(C(0.5), ToDouble(Add(k, I(1))))
                        : Expression.ArrayAccess(source.Variable, k);
                    if (source is not null) Features.Add("fill value reduces another filled array");
                    return Expression.AddAssign(s, Mul(Xi(Expression.Modulo(Add(Add(j, k), I(_rng.Next(N))), Length)), input));
                }),
                s);
            return Activation(block);
        }
        var readable = others.ToList();
        return Activation(Term(2, readable));
    }

    private Expression Activation(Expression e) => _rng.Next(4) switch
    {
        0 => Tanh(e),
        1 => Sin(e),
        2 => Exp(Tanh(e)),
        _ => e,
    };

    // --- statements reading or updating arrays -------------------------------------------------------------------------

    /// <summary><c>for (j = lo; j &lt; hi; j++) a[j] += e</c> (or -=, *= (1 + 0.1 tanh e)), or one element; after the fill.</summary>
    private Expression AccumulateIntoArray(Scratch array, HashSet<Scratch> filled)
    {
        // The update reads other arrays only: a[j] += f(a[k]) reads elements the same loop writes (refused, an in-place update).
        var readable = filled.Where(a => a != array || Defect("array update reading the array")).ToList();
        if (Chance(0.3))
        {
            var element = Expression.ArrayAccess(array.Variable, I(_rng.Next(array.Length)));
            switch (_rng.Next(3))
            {
                case 0:
                    Features.Add("array element +=");
                    return Expression.AddAssign(element, Term(1, readable));
                case 1:
                    Features.Add("array element overwritten");
                    return Expression.Assign(element, Term(1, readable));
                default:
                    Features.Add("array element += in a branch");
                    return Expression.IfThen(Expression.LessThan(XTerm(), C(Coefficient())), Expression.AddAssign(element, Term(1, readable)));
            }
        }
        var lo = _rng.Next(array.Length + 1);
        var hi = _rng.Next(lo, array.Length + 1);
        Features.Add(lo == 0 && hi == array.Length ? "array += over the whole range" : "array += over a range");
        var form = _rng.Next(20) switch { < 8 => 0, < 11 => 1, < 15 => 2, < 19 => 4, _ => 3 };
        Features.Add($"array update {form}");
        return For($"j{_names++}", I(lo), I(hi), j =>
        {
            _counters.Add(new Counter(j, array.Length));
            var target = Expression.ArrayAccess(array.Variable, j);
            var e = Term(1, readable);
            _counters.RemoveAt(_counters.Count - 1);
            return form switch
            {
                0 or 1 => Expression.AddAssign(target, e),
                2 => Expression.SubtractAssign(target, e),
                4 => Expression.Assign(target, e),
                _ => Expression.MultiplyAssign(target, Add(C(1), Mul(C(0.1), Tanh(e)))),
            };
        });
    }

    /// <summary><c>a[k] = e</c>, or <c>a[j] = e</c> over a range: stores that read nothing of the array.</summary>
    private Expression Store(Scratch array, HashSet<Scratch> filled)
    {
        var readable = filled.Where(a => a != array).ToList();
        if (Chance(0.5)) return Expression.Assign(Expression.ArrayAccess(array.Variable, ArrayIndex(array)), Term(1, readable));
        var lo = _rng.Next(array.Length);
        return For($"j{_names++}", I(lo), I(array.Length), j =>
        {
            _counters.Add(new Counter(j, array.Length));
            var e = Term(1, readable);
            _counters.RemoveAt(_counters.Count - 1);
            return Expression.Assign(Expression.ArrayAccess(array.Variable, j), e);
        });
    }

    /// <summary><c>for (j = 0; j &lt; length; j++)</c> folding a[j] into an accumulator: a reduction, a recurrence, a product or a branch.</summary>
    private Expression Scan(Scratch array, HashSet<Scratch> filled)
    {
        var readable = filled.ToList();
        Accumulator acc;
        ParameterExpression? product = null;
        if (Chance(0.25))
        {
            // { double p = 1; for j: p *= (1 + 0.1 tanh(..a[j]..)); outer += p }
            Features.Add("scan product");
            product = Double($"p{_names++}");
            acc = new Accumulator(product, Recurrence: true);
        }
        else acc = Pick(_accumulators);
        var form = _rng.Next(5);
        if (product is null) Features.Add($"scan {form}");
        var loop = For($"j{_names++}", I(0), array.LengthIsN && Chance(0.5) ? Length : I(array.Length), j =>
        {
            _counters.Add(new Counter(j, array.Length));
            var element = (Expression)Expression.ArrayAccess(array.Variable, j);
            var e = Chance(0.5) ? Mul(XTerm(), element) : Activation(Add(element, Term(1, readable)));
            _counters.RemoveAt(_counters.Count - 1);
            var v = acc.Variable;
            if (product is not null) return Expression.MultiplyAssign(v, Add(C(1), Mul(C(0.1), Tanh(e))));
            return form switch
            {
                0 => Expression.AddAssign(v, e),
                1 => Expression.Assign(v, Add(Mul(C(0.7), v), e)),
                2 => Expression.Assign(v, Mul(v, Add(C(1), Mul(C(0.1), Tanh(e))))),
                3 => Expression.IfThenElse(Expression.Equal(Expression.Modulo(j, I(2)), I(0)),
                    Expression.AddAssign(v, e), Expression.SubtractAssign(v, Mul(C(0.5), e))),
                _ => Expression.IfThen(Expression.GreaterThan(element, C(Coefficient())), Expression.AddAssign(v, e)),
            };
        });
        if (product is null) return loop;
        var outer = Pick(_accumulators);
        return Expression.Block(typeof(void), [product], Expression.Assign(product, C(1)), loop,
            outer.Recurrence ? Expression.MultiplyAssign(outer.Variable, Add(C(0.5), Mul(C(0.5), product)))
                             : Expression.AddAssign(outer.Variable, product));
    }

    /// <summary><c>if (cond) update; else update</c> with array reads in the condition or the branches.</summary>
    private Expression Branch(int level, List<Scratch> readable, HashSet<Scratch> filled)
    {
        Expression condition;
        switch (_rng.Next(3))
        {
            case 0 when _counters.Count > 0:
                Features.Add("branch on a counter");
                condition = Expression.Equal(Expression.Modulo(Pick(_counters).Variable, I(2)), I(0));
                break;
            case 1:
                Features.Add("branch on an array element");
                condition = Expression.GreaterThan(ArrayRead(Pick(readable)), C(Coefficient()));
                break;
            default:
                Features.Add("branch on x");
                condition = Expression.LessThan(Xi(XIndex()), C(Coefficient()));
                break;
        }
        Expression whenTrue;
        if (level < 3 && Chance(0.15))
        {
            Features.Add("loop in a branch");
            whenTrue = Loop(level + 1, filled).Loop;
        }
        else whenTrue = Chance(0.3) ? Scan(Pick(readable), filled) : Update(Term(2, readable));
        if (Chance(0.4))
        {
            Features.Add("if");
            return Expression.IfThen(condition, whenTrue);
        }
        Features.Add("if/else");
        return Expression.IfThenElse(condition, whenTrue, Update(Term(2, readable)));
    }

    /// <summary>An update of an accumulator in scope by e: mostly += for sums, contractions and products for recurrences.</summary>
    private Expression Update(Expression e)
    {
        var acc = Pick(_accumulators);
        var v = acc.Variable;
        var recurrence = acc.Recurrence ? !Chance(0.15) : Chance(0.15);
        if (!recurrence)
        {
            Features.Add("update +=");
            return Chance(0.8) ? Expression.AddAssign(v, e) : Expression.SubtractAssign(v, e);
        }
        var form = _rng.Next(3);
        Features.Add($"update recurrence {form}");
        return form switch
        {
            0 => Expression.Assign(v, Add(Mul(C(0.7), v), e)),
            1 => Expression.Assign(v, Mul(v, Add(C(1), Mul(C(0.1), Tanh(e))))),
            _ => Expression.Assign(v, Add(Mul(C(0.5), Sin(v)), e)),
        };
    }

    // --- expressions ------------------------------------------------------------------------------------------------------

    /// <summary>A smooth expression of x, counters, accumulators and elements of the <paramref name="readable"/> arrays.</summary>
    private Expression Term(int depth, List<Scratch> readable)
    {
        if (depth <= 0 || Chance(0.25)) return Leaf(readable);
        return _rng.Next(8) switch
        {
            0 => Sin(Term(depth - 1, readable)),
            1 => Tanh(Term(depth - 1, readable)),
            2 => Exp(Tanh(Term(depth - 1, readable))),
            3 or 4 => Add(Term(depth - 1, readable), Term(depth - 1, readable)),
            5 => Sub(Term(depth - 1, readable), Term(depth - 1, readable)),
            _ => Mul(Term(depth - 1, readable), Term(depth - 1, readable)),
        };
    }

    private Expression Leaf(List<Scratch> readable)
    {
        var r = _rng.NextDouble();
        if (readable.Count > 0 && r < 0.45) return ArrayTerm(Pick(readable));
        if (r < 0.7) return XTerm();
        if (r < 0.8)
        {
            var acc = Pick(_accumulators).Variable;
            Features.Add("accumulator read");
            // Bounded: a linear read (loss += 0.1 loss ...) can grow without bound, or oscillate fast (sin(x * loss)).
            return Chance(0.5) ? Tanh(acc) : Tanh(Mul(C(0.1), acc));
        }
        if (r < 0.9 && _counters.Count > 0)
        {
            Features.Add("counter as a value");
            return Mul(C(0.25), ToDouble(Pick(_counters).Variable));
        }
        return C(Coefficient());
    }

    private Expression XTerm() => Xi(XIndex());

    private Expression XIndex()
    {
        if (_counters.Count == 0 || Chance(0.3)) return I(_rng.Next(N));
        return Expression.Modulo(Add(Pick(_counters).Variable, I(_rng.Next(N))), Length);
    }

    /// <summary>A read of the array, through tanh or a factor 0.5 now and then.</summary>
    private Expression ArrayTerm(Scratch array) => _rng.Next(4) switch
    {
        0 => Tanh(ArrayRead(array)),
        1 => Mul(C(0.5), ArrayRead(array)),
        _ => ArrayRead(array),
    };

    private Expression ArrayRead(Scratch array)
    {
        Features.Add("array read");
        var index = ArrayIndex(array);
        return Chance(0.5) ? Expression.ArrayAccess(array.Variable, index) : Expression.ArrayIndex(array.Variable, index);
    }

    private Expression ArrayIndex(Scratch array)
    {
        var direct = _counters.Where(c => c.Bound is { } b && b <= array.Length).ToList();
        var r = _rng.Next(4);
        if (direct.Count > 0 && r < 2)
        {
            Features.Add("array index counter");
            // The innermost fitting counter most of the time (a[j] in a loop over j).
            return Chance(0.7) ? direct[^1].Variable : Pick(direct).Variable;
        }
        if (_counters.Count > 0 && r == 2)
        {
            Features.Add("array index (i + c) % length");
            return Expression.Modulo(Add(Pick(_counters).Variable, I(_rng.Next(array.Length))), Expression.ArrayLength(array.Variable));
        }
        Features.Add("array index constant");
        return I(_rng.Next(array.Length));
    }
}
