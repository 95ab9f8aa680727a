using System.Linq.Expressions;

namespace ExprAD.Lowering;

internal static partial class LinqLowering
{
    /// <summary>Writes one reduction as a block around one loop; every local is a fresh variable of this writer.</summary>
    private sealed class LoopWriter(ExpressionVisitor visitor, Filter? filter)
    {
        private readonly Code _outer = new();
        private ParameterExpression _end = null!;
        private Filter? _filter = filter;

        /// <summary>With a filter, how many elements it kept so far: the length that emptiness and Average use.</summary>
        private ParameterExpression? _kept;

        /// <summary>The number of elements the reduction sees: the sequence's length, or what the filter kept.</summary>
        private Expression Seen => _kept ?? (Expression)_end;

        public Expression Write(Reduction reduction, Sequence source)
        {
            source.Prepare(_outer, visitor);
            if (_filter is not null)
            {
                // Where checks its source when the query is built, before the reduction's own arguments are evaluated.
                source.CheckNotNull(_outer, "source");
                _kept = _outer.Local(typeof(int), "kept");
                _outer.Add(Expression.Assign(_kept, Expression.Constant(0)));
            }
            // C# evaluates Aggregate's seed after the source; LINQ checks its arguments after that.
            ParameterExpression? accumulator = null;
            if (reduction.Seed is not null)
            {
                accumulator = _outer.Local(reduction.ValueType, "acc");
                _outer.Add(Expression.Assign(accumulator, visitor.Visit(reduction.Seed)!));
            }
            if (_filter is null) source.CheckNotNull(_outer, "source");

            // LINQ reads an array directly (as a span) only when no selector or filter is involved; Average and Min differ then.
            var isSpan = source is ArraySequence or ListSequence && reduction.Selector is null && _filter is null;
            if (reduction.Selector is not null)
            {
                if (_filter is null) source = new SelectSequence(source, reduction.Selector, reduction.ValueType);
                else _filter = _filter.Then(reduction.Selector);
            }
            _end = AsVariable(_outer, source.Length(_outer), "end");

            var result = reduction.Kind switch
            {
                Kind.Sum => Sum(source, reduction.ValueType),
                Kind.Average => Average(source, reduction.ValueType, isSpan),
                Kind.Max when reduction.ValueType == typeof(double) => MaxOfDoubles(source),
                Kind.Min when reduction.ValueType == typeof(double) => MinOfDoubles(source, isSpan),
                Kind.Max or Kind.Min => MaxOrMinOfInts(source, reduction.Kind == Kind.Max),
                Kind.Count => Count(source, reduction.Predicate),
                Kind.ToArray => ToArray(source),
                Kind.Any or Kind.All => AnyOrAll(source, reduction.Predicate!, reduction.Kind == Kind.Any),
                _ => Aggregate(source, reduction, accumulator),
            };
            _outer.Add(result);
            return Expression.Block(reduction.Type, _outer.Variables, _outer.Statements);
        }

        /// <summary>Left to right from +0.0 (LINQ does not vectorize double sums); int sums are checked, as in LINQ.</summary>
        private Expression Sum(Sequence source, Type type)
        {
            var sum = _outer.Local(type, "sum");
            _outer.Add(Expression.Assign(sum, type == typeof(double) ? Expression.Constant(0.0) : Expression.Constant(0)));
            var i = Loop(source, (body, element) => body.Add(Expression.Assign(sum,
                type == typeof(double) ? Expression.Add(sum, element) : Expression.AddChecked(sum, element))));
            AddEnd(source, i);
            return sum;
        }

        /// <summary>A new array of the sequence's length, element i written in iteration i: what LINQ's ToArray returns.</summary>
        private Expression ToArray(Sequence source)
        {
            var array = _outer.Local(typeof(double[]), "array");
            _outer.Add(Expression.Assign(array, Expression.NewArrayBounds(typeof(double), _end)));
            var i = Loop(source, (body, element, index) => body.Add(Expression.Assign(Expression.ArrayAccess(array, index), element)));
            AddEnd(source, i);
            return array;
        }

        /// <summary>
        /// LINQ sums a span from +0.0 but an enumerator from its first element; starting from -0.0 is that exactly
        /// (-0.0 + v is v for every v, including -0.0), with no first-element special case. Ints are summed as
        /// checked longs. The division is by the count as a double.
        /// </summary>
        private Expression Average(Sequence source, Type type, bool isSpan)
        {
            Expression sum;
            if (type == typeof(double))
            {
                var total = _outer.Local(typeof(double), "sum");
                _outer.Add(Expression.Assign(total, Expression.Constant(isSpan ? 0.0 : -0.0)));
                var i = Loop(source, (body, element) => body.Add(Expression.Assign(total, Expression.Add(total, element))));
                AddEnd(source, i);
                sum = total;
            }
            else
            {
                var total = _outer.Local(typeof(long), "sum");
                _outer.Add(Expression.Assign(total, Expression.Constant(0L)));
                var i = Loop(source, (body, element) => body.Add(Expression.Assign(total,
                    Expression.AddChecked(total, Expression.Convert(element, typeof(long))))));
                AddEnd(source, i);
                sum = Expression.Convert(total, typeof(double));
            }
            ThrowIfEmpty();
            return Expression.Divide(sum, Expression.Convert(Seen, typeof(double)));
        }

        /// <summary>
        /// LINQ's Max skips leading NaNs (the result is NaN only if all are, then the last one), then keeps the
        /// first of equal values (<c>if (v &gt; max) max = v</c>, so Max(-0.0, 0.0) is -0.0). Starting from NaN
        /// with <c>max = v &gt; max || max is NaN ? v : max</c> is exactly that. See <see cref="Extremum"/>.
        /// </summary>
        private Expression MaxOfDoubles(Sequence source)
        {
            if (!ElementsArePure(source)) return MaxOfDoublesInPlace(source);
            return Extremum(source, double.NaN, (v, best, _) => Expression.Condition(Expression.GreaterThan(v, best), Expression.Constant(true), Expression.NotEqual(best, best)));
        }

        /// <summary>Max as one loop over the elements themselves: for selectors that call code without a rule, which must run once per element as in LINQ.</summary>
        private Expression MaxOfDoublesInPlace(Sequence source)
        {
            var max = _outer.Local(typeof(double), "max");
            _outer.Add(Expression.Assign(max, Expression.Constant(double.NaN)));
            var i = Loop(source, (body, element) =>
            {
                var v = AsVariable(body, element);
                var replace = Expression.Condition(Expression.GreaterThan(v, max), Expression.Constant(true), Expression.NotEqual(max, max));
                body.Add(Expression.Assign(max, Expression.Condition(replace, v, max)));
            });
            AddEnd(source, i);
            ThrowIfEmpty();
            return max;
        }

        /// <summary>
        /// Whether computing an element calls only functions with derivative rules (pure math), so that computing
        /// the winner of a max or min once more cannot be observed.
        /// </summary>
        private bool ElementsArePure(Sequence source)
        {
            var probe = new Code();
            var element = source.Element(probe, Expression.Constant(0), visitor);
            if (_filter is not null) element = _filter.Select(probe, element, visitor);
            return PureCode.Is(probe.Statements.Append(element));
        }

        /// <summary>
        /// LINQ's Min keeps the first of equal values (<c>if (v &lt; min) min = v</c>) and stops at the first NaN,
        /// returning it: selectors after it are not called. Over a span it starts from element 0 without testing
        /// it, so a NaN there is returned only if no later element is NaN. Starting from +infinity makes
        /// element 0 an ordinary step; <c>stop</c> leaves the loop after a NaN.
        /// </summary>
        private Expression MinOfDoubles(Sequence source, bool isSpan)
        {
            if (!ElementsArePure(source)) return MinOfDoublesInPlace(source, isSpan);
            var stop = _outer.Local(typeof(bool), "stop");
            _outer.Add(Expression.Assign(stop, Expression.Constant(false)));
            return Extremum(source, double.PositiveInfinity,
                (v, best, _) => Expression.Condition(Expression.LessThan(v, best), Expression.Constant(true), Expression.NotEqual(v, v)),
                (body, v, index) => body.Add(Expression.Assign(stop, isSpan
                    ? Expression.Condition(Expression.NotEqual(v, v), Expression.GreaterThan(index, Expression.Constant(0)), Expression.Constant(false))
                    : Expression.NotEqual(v, v))),
                stop);
        }

        /// <summary>Min as one loop over the elements themselves (see <see cref="MaxOfDoublesInPlace"/>).</summary>
        private Expression MinOfDoublesInPlace(Sequence source, bool isSpan)
        {
            var min = _outer.Local(typeof(double), "min");
            var stop = _outer.Local(typeof(bool), "stop");
            _outer.Add(Expression.Assign(min, Expression.Constant(double.PositiveInfinity)));
            _outer.Add(Expression.Assign(stop, Expression.Constant(false)));
            var i = Loop(source, (body, element, index) =>
            {
                var v = AsVariable(body, element);
                var isNaN = Expression.NotEqual(v, v);
                var replace = Expression.Condition(Expression.LessThan(v, min), Expression.Constant(true), isNaN);
                body.Add(Expression.Assign(min, Expression.Condition(replace, v, min)));
                body.Add(Expression.Assign(stop, isSpan
                    ? Expression.Condition(isNaN, Expression.GreaterThan(index, Expression.Constant(0)), Expression.Constant(false))
                    : isNaN));
            }, keepGoing: Expression.Not(stop));
            if (source.End(i, visitor) is { } end) _outer.Add(Expression.IfThen(Expression.Not(stop), end));
            ThrowIfEmpty();
            return min;
        }

        /// <summary>
        /// The loop finds which element wins (its index) on values detached from differentiation, and the result
        /// is that element computed once more after the loop. The derivative of a max is the derivative of the
        /// winning element alone, so the reverse sweep differentiates one element instead of replaying every
        /// candidate with a zero adjoint (on the ADBench GMM objective, half of the gradient's time). The
        /// winner is evaluated twice; the selectors of differentiable code are pure, so only time shows it.
        /// </summary>
        private Expression Extremum(Sequence source, double start, Func<Expression, Expression, Expression, Expression> replaces,
            Action<Code, Expression, ParameterExpression>? after = null, ParameterExpression? stop = null)
        {
            var best = _outer.Local(typeof(double), "best");
            var winner = _outer.Local(typeof(int), "winner");
            _outer.Add(Expression.Assign(best, Expression.Constant(start)));
            _outer.Add(Expression.Assign(winner, Expression.Constant(-1)));
            var i = Loop(source, (body, element, index) =>
            {
                var v = body.Let(Expression.Call(Detached.Method, element), "candidate");
                var replace = AsVariable(body, replaces(v, best, index), "replace");
                body.Add(Expression.Assign(best, Expression.Condition(replace, v, best)));
                body.Add(Expression.Assign(winner, Expression.Condition(replace, index, winner)));
                after?.Invoke(body, v, index);
            }, keepGoing: stop is null ? null : Expression.Not(stop));
            if (source.End(i, visitor) is { } end) _outer.Add(stop is null ? end : Expression.IfThen(Expression.Not(stop), end));
            ThrowIfEmpty();
            var again = new Code();
            var value = source.Element(again, winner, visitor);
            // The winner passed the filter; its value is what the filter's selectors make of it.
            if (_filter is not null) value = _filter.Select(again, value, visitor);
            _outer.Variables.AddRange(again.Variables);
            _outer.Statements.AddRange(again.Statements);
            return value;
        }

        /// <summary>Ints have no NaN: start from the identity of max or min; the first of equal values is kept.</summary>
        private Expression MaxOrMinOfInts(Sequence source, bool isMax)
        {
            var best = _outer.Local(typeof(int), isMax ? "max" : "min");
            _outer.Add(Expression.Assign(best, Expression.Constant(isMax ? int.MinValue : int.MaxValue)));
            var i = Loop(source, (body, element) =>
            {
                var v = AsVariable(body, element);
                var better = isMax ? Expression.GreaterThan(v, best) : Expression.LessThan(v, best);
                body.Add(Expression.Assign(best, Expression.Condition(better, v, best)));
            });
            AddEnd(source, i);
            ThrowIfEmpty();
            return best;
        }

        /// <summary>
        /// Count() of an array or a range is its length; of anything with selectors, LINQ enumerates it and so calls
        /// every selector (Select's GetCount does so on purpose), and so does the loop.
        /// </summary>
        private Expression Count(Sequence source, LambdaExpression? predicate)
        {
            if (predicate is null)
            {
                if (!source.RunsUserCode && _filter is null) return _end;
                var i = Loop(source, (_, _) => { });
                AddEnd(source, i);
                return Seen;
            }
            var count = _outer.Local(typeof(int), "count");
            _outer.Add(Expression.Assign(count, Expression.Constant(0)));
            var j = Loop(source, (body, element) =>
            {
                var matches = body.Let(Inline(visitor, predicate, element), "matches", typeof(bool));
                body.Add(Expression.Assign(count, Expression.Condition(matches, Expression.Add(count, Expression.Constant(1)), count)));
            });
            AddEnd(source, j);
            return count;
        }

        /// <summary>
        /// Any(predicate) stops at the first element that matches, All(predicate) at the first that does not, as LINQ's
        /// foreach does (the later elements' selectors never run); only a loop that reached the end makes LINQ's final
        /// MoveNext calls.
        /// </summary>
        private Expression AnyOrAll(Sequence source, LambdaExpression predicate, bool any)
        {
            var decided = _outer.Local(typeof(bool), any ? "found" : "failed");
            _outer.Add(Expression.Assign(decided, Expression.Constant(false)));
            var i = Loop(source, (body, element, _) =>
            {
                var matches = Inline(visitor, predicate, element);
                body.Add(Expression.Assign(decided, any ? matches : Expression.Not(matches)));
            }, keepGoing: Expression.Not(decided));
            if (source.End(i, visitor) is { } end) _outer.Add(Expression.IfThen(Expression.Not(decided), end));
            return any ? decided : Expression.Not(decided);
        }

        /// <summary>
        /// <c>acc = func(acc, v)</c> from the seed; without a seed the first element is the seed (taken when i == 0)
        /// and an empty sequence throws. The result selector runs once, after the sequence ended.
        /// </summary>
        private Expression Aggregate(Sequence source, Reduction reduction, ParameterExpression? accumulator)
        {
            var seeded = accumulator is not null;
            var acc = accumulator ?? _outer.Local(reduction.ValueType, "acc");
            if (!seeded) _outer.Add(Expression.Assign(acc, Expression.Default(acc.Type)));
            var i = Loop(source, (body, element, index) =>
            {
                var v = AsVariable(body, element);
                var next = Inline(visitor, reduction.Func!, acc, v);
                if (!seeded) next = Expression.Condition(Expression.Equal(_kept ?? index, Expression.Constant(0)), v, next, acc.Type);
                body.Add(Expression.Assign(acc, next));
            });
            AddEnd(source, i);
            if (!seeded) ThrowIfEmpty();
            return reduction.ResultSelector is null ? acc : Inline(visitor, reduction.ResultSelector, acc);
        }

        private ParameterExpression Loop(Sequence source, Action<Code, Expression> step)
            => Loop(source, (body, element, _) => step(body, element));

        /// <summary>
        /// <c>i = 0; loop { if (i &lt; end [&amp;&amp; keepGoing]) { element; step; i = i + 1; } else break; }</c>.
        /// Returns i, which is <c>end</c> after a loop that ran to the end.
        /// </summary>
        private ParameterExpression Loop(Sequence source, Action<Code, Expression, ParameterExpression> step, Expression? keepGoing = null)
        {
            var i = _outer.Local(typeof(int), "i");
            _outer.Add(Expression.Assign(i, Expression.Constant(0)));
            var body = new Code();
            var element = source.Element(body, i, visitor);
            if (_filter is null) step(body, element, i);
            else
                _filter.Apply(body, element, i, visitor, (kept, value) =>
                {
                    step(kept, value, i);
                    kept.Add(Expression.Assign(_kept!, Expression.Add(_kept!, Expression.Constant(1))));
                });
            body.Add(Expression.Assign(i, Expression.Add(i, Expression.Constant(1))));
            Expression test = Expression.LessThan(i, _end);
            if (keepGoing is not null) test = Expression.Condition(test, keepGoing, Expression.Constant(false));
            var exit = Expression.Label("break");
            _outer.Add(Expression.Loop(Expression.IfThenElse(test, body.ToVoidBlock(), Expression.Break(exit)), exit));
            return i;
        }

        /// <summary>The selector calls of LINQ's final MoveNext, see <see cref="Sequence.End"/>.</summary>
        private void AddEnd(Sequence source, ParameterExpression i)
        {
            if (source.End(i, visitor) is { } end) _outer.Add(end);
        }

        /// <summary>The value in a variable, so it is computed once; elements and lengths often already are one.</summary>
        private static ParameterExpression AsVariable(Code code, Expression value, string name = "v")
            => value as ParameterExpression ?? code.Let(value, name);

        private void ThrowIfEmpty()
            => _outer.Add(Expression.IfThen(Expression.Equal(Seen, Expression.Constant(0)), Expression.Call(NoElementsMethod)));
    }
}
