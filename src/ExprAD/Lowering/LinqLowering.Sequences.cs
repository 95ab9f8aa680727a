using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

internal static partial class LinqLowering
{
    /// <summary>
    /// A lazily composed sequence, read by one counter i = 0, 1, ... shared by all its parts: a Select keeps
    /// its input's positions and Zip pairs equal positions, so element i of every part is wanted together.
    /// Each part is used in phases: <see cref="Prepare"/> (operands, in LINQ's order), <see cref="Length"/>,
    /// <see cref="Element"/> (in the loop body), <see cref="End"/> (after the loop).
    /// </summary>
    private abstract class Sequence(Type elementType)
    {
        public Type ElementType { get; } = elementType;

        /// <summary>Whether reading an element calls user code (a selector), whose calls must happen as in LINQ.</summary>
        public abstract bool RunsUserCode { get; }

        /// <summary>
        /// Whether LINQ's Skip and Take jump over elements of this sequence without computing them: true for arrays, ranges
        /// and selectors without an index over those (LINQ's partitions), false for Zip and indexed selectors, whose skipped
        /// elements LINQ computes (calling their selectors), which these loops do not do.
        /// </summary>
        public virtual bool Partitions => false;

        /// <summary>Evaluates the operands once, as LINQ does when the query is built, and checks them as LINQ does.</summary>
        public abstract void Prepare(Code setup, ExpressionVisitor visitor);

        /// <summary>The null check the consuming operator makes, after all its own arguments are evaluated.</summary>
        public virtual void CheckNotNull(Code setup, string parameterName) { }

        /// <summary>The number of elements; called once, after <see cref="Prepare"/>.</summary>
        public abstract Expression Length(Code setup);

        /// <summary>Appends the code computing element <paramref name="index"/>; the result mentions only this pass's locals.</summary>
        public abstract Expression Element(Code code, Expression index, ExpressionVisitor visitor);

        /// <summary>
        /// What LINQ's last, failing MoveNext does when the sequence ends at <paramref name="index"/> (null for nothing):
        /// only Zip runs user code there, see <see cref="ZipSequence.End"/>.
        /// </summary>
        public virtual Expression? End(Expression index, ExpressionVisitor visitor) => null;

        public static Sequence? Parse(Expression node)
        {
            StackGuard.Check();
            if (node is MethodCallExpression call && call.Method.DeclaringType == typeof(Enumerable))
            {
                var args = call.Arguments;
                switch (call.Method.Name)
                {
                    case nameof(Enumerable.Range) when args.Count == 2:
                        return new RangeSequence(args[0], args[1]);
                    case nameof(Enumerable.Select) when args.Count == 2 && args[1] is LambdaExpression selector:
                        return Parse(args[0]) is { } input ? new SelectSequence(input, selector, call.Method.GetGenericArguments()[1]) : null;
                    case nameof(Enumerable.Skip) or nameof(Enumerable.Take) when args.Count == 2 && args[1].Type == typeof(int):
                        return Parse(args[0]) is { Partitions: true } partitioned
                            ? new PartitionSequence(partitioned, args[1], call.Method.Name == nameof(Enumerable.Skip))
                            : null;
                    case nameof(Enumerable.Zip) when args.Count == 3 && args[2] is LambdaExpression { Parameters.Count: 2 } result:
                        return Parse(args[0]) is { } first && Parse(args[1]) is { } second
                            ? new ZipSequence(first, second, result, call.Method.GetGenericArguments()[2])
                            : null;
                }
            }
            // Hand-built trees may convert the array or list to IEnumerable<T> explicitly.
            var source = node is UnaryExpression { NodeType: ExpressionType.Convert, Method: null } convert ? convert.Operand : node;
            // Not of ints: LINQ sums a span of ints in vector lanes, whose overflow checks differ from a loop's.
            if (source.Type.IsSZArray && source.Type != typeof(int[])) return new ArraySequence(source);
            if (source.Type.IsGenericType && source.Type.GetGenericTypeDefinition() == typeof(List<>) && source.Type != typeof(List<int>))
                return new ListSequence(source);
            return null;
        }
    }

    /// <summary>
    /// An array: the input, captured data, or rows of data (<c>double[][]</c>, an array of records), whose element i is
    /// <c>a[i]</c>. LINQ reads arrays (and lists) through a span where it can, in index order.
    /// </summary>
    private sealed class ArraySequence(Expression array) : Sequence(array.Type.GetElementType()!)
    {
        private ParameterExpression? _array;

        public override bool RunsUserCode => false;

        public override bool Partitions => true;

        // Evaluated once into a local, like the reference LINQ's iterator keeps.
        public override void Prepare(Code setup, ExpressionVisitor visitor) => _array = setup.Let(visitor.Visit(array)!, "source");

        public override void CheckNotNull(Code setup, string parameterName) => CheckSourceNotNull(setup, _array!, parameterName);

        public override Expression Length(Code setup) => Expression.ArrayLength(_array!);

        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor) => Expression.ArrayIndex(_array!, index);
    }

    /// <summary>A <c>List&lt;T&gt;</c> of captured data: its Count and its indexer, in index order, as LINQ's span of it.</summary>
    private sealed class ListSequence(Expression list) : Sequence(list.Type.GetGenericArguments()[0])
    {
        private ParameterExpression? _list;

        public override bool RunsUserCode => false;

        public override bool Partitions => true;

        public override void Prepare(Code setup, ExpressionVisitor visitor) => _list = setup.Let(visitor.Visit(list)!, "source");

        public override void CheckNotNull(Code setup, string parameterName) => CheckSourceNotNull(setup, _list!, parameterName);

        // Read once: the loop's end, as the span LINQ takes of the list is.
        public override Expression Length(Code setup) => Expression.Property(_list!, "Count");

        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor) => Expression.Property(_list!, "Item", index);
    }

    private static void CheckSourceNotNull(Code setup, ParameterExpression source, string parameterName)
        => setup.Add(Expression.IfThen(
            Expression.Equal(source, Expression.Constant(null, source.Type)),
            Expression.Call(ArgumentNullMethod, Expression.Constant(parameterName))));

    private sealed class RangeSequence(Expression start, Expression count) : Sequence(typeof(int))
    {
        private Expression? _start;
        private Expression? _count;

        public override bool RunsUserCode => false;

        public override bool Partitions => true;

        public override void Prepare(Code setup, ExpressionVisitor visitor)
        {
            _start = Evaluate(setup, visitor.Visit(start)!, "start");
            _count = Evaluate(setup, visitor.Visit(count)!, "count");
            if (OutOfRange(_start, _count) is { } outOfRange)
                setup.Add(Expression.IfThen(outOfRange, Expression.Call(CountOutOfRangeMethod)));
        }

        private static Expression Evaluate(Code setup, Expression value, string name) => value is ConstantExpression ? value : setup.Let(value, name);

        /// <summary>
        /// LINQ's test <c>count &lt; 0 || (long)start + count - 1 &gt; int.MaxValue</c>, in int arithmetic that cannot
        /// overflow (start &gt; int.MaxValue - (count - 1) once count &gt; 0), and null when it is false for sure.
        /// </summary>
        private static Expression? OutOfRange(Expression start, Expression count)
        {
            var startIsSmall = start is ConstantExpression { Value: int s } && s <= 1; // then start + count - 1 <= count
            if (count is ConstantExpression { Value: int c })
            {
                if (c < 0) return Expression.Constant(true);
                if (c == 0 || startIsSmall) return null;
                if (start is ConstantExpression { Value: int s2 }) return (long)s2 + c - 1 > int.MaxValue ? Expression.Constant(true) : null;
                return Expression.GreaterThan(start, Expression.Constant(int.MaxValue - (c - 1)));
            }
            Expression negative = Expression.LessThan(count, Expression.Constant(0));
            if (startIsSmall) return negative;
            var pastEnd = Expression.Condition(
                Expression.GreaterThan(count, Expression.Constant(0)),
                Expression.GreaterThan(start, Expression.Subtract(Expression.Constant(int.MaxValue), Expression.Subtract(count, Expression.Constant(1)))),
                Expression.Constant(false));
            return Expression.Condition(negative, Expression.Constant(true), pastEnd);
        }

        public override Expression Length(Code setup) => _count!;

        // start + i cannot overflow: Prepare checked the range. Range(0, n) is by far the most common; its element is i itself.
        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor)
            => _start is ConstantExpression { Value: 0 } ? index : Expression.Add(_start!, index);
    }

    /// <summary><c>input.Select(v =&gt; ...)</c> or <c>input.Select((v, i) =&gt; ...)</c>; also a reduction's own selector.</summary>
    private sealed class SelectSequence(Sequence input, LambdaExpression selector, Type elementType) : Sequence(elementType)
    {
        public override bool RunsUserCode => true;

        public override bool Partitions => selector.Parameters.Count == 1 && input.Partitions;

        public override void Prepare(Code setup, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            input.Prepare(setup, visitor);
            input.CheckNotNull(setup, "source");
        }

        public override Expression Length(Code setup)
        {
            StackGuard.Check();
            return input.Length(setup);
        }

        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            var value = input.Element(code, index, visitor);
            var inlined = selector.Parameters.Count == 2 ? Inline(visitor, selector, value, index) : Inline(visitor, selector, value);
            return code.Let(inlined, "e", ElementType);
        }

        public override Expression? End(Expression index, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            return input.End(index, visitor);
        }
    }

    /// <summary>
    /// <c>input.Skip(count)</c> or <c>input.Take(count)</c> of a sequence LINQ partitions: element i is the input's element
    /// i + skipped, and the length is clipped to the input's (a negative count counts as 0, as in LINQ).
    /// </summary>
    private sealed class PartitionSequence(Sequence input, Expression count, bool skip) : Sequence(input.ElementType)
    {
        private static readonly System.Reflection.MethodInfo Max = typeof(Math).GetMethod(nameof(Math.Max), [typeof(int), typeof(int)])!;
        private static readonly System.Reflection.MethodInfo Min = typeof(Math).GetMethod(nameof(Math.Min), [typeof(int), typeof(int)])!;

        private ParameterExpression? _count;
        private ParameterExpression? _offset;

        public override bool RunsUserCode => input.RunsUserCode;

        public override bool Partitions => true;

        public override void Prepare(Code setup, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            input.Prepare(setup, visitor);
            // C# evaluates the count after the source; Skip and Take check the source after both.
            _count = setup.Let(Expression.Call(Max, visitor.Visit(count)!, Expression.Constant(0)), skip ? "skip" : "take");
            input.CheckNotNull(setup, "source");
        }

        public override Expression Length(Code setup)
        {
            StackGuard.Check();
            var length = setup.Let(input.Length(setup), "inputLength");
            if (!skip) return Expression.Call(Min, length, _count!);
            _offset = setup.Let(Expression.Call(Min, _count!, length), "skipped");
            return Expression.Subtract(length, _offset);
        }

        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            return input.Element(code, _offset is null ? index : Expression.Add(index, _offset), visitor);
        }
    }

    /// <summary><c>first.Zip(second, (a, b) =&gt; ...)</c>: as long as the shorter of the two.</summary>
    private sealed class ZipSequence(Sequence first, Sequence second, LambdaExpression resultSelector, Type elementType) : Sequence(elementType)
    {
        private ParameterExpression? _firstLength;

        public override bool RunsUserCode => true;

        public override void Prepare(Code setup, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            first.Prepare(setup, visitor);
            second.Prepare(setup, visitor);
            first.CheckNotNull(setup, "first");
            second.CheckNotNull(setup, "second");
        }

        public override Expression Length(Code setup)
        {
            StackGuard.Check();
            _firstLength = setup.Let(first.Length(setup), "firstLength");
            var secondLength = setup.Let(second.Length(setup), "secondLength");
            return Expression.Condition(Expression.LessThan(_firstLength, secondLength), _firstLength, secondLength);
        }

        public override Expression Element(Code code, Expression index, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            var a = first.Element(code, index, visitor);
            // Read first's element before second's selectors run, as LINQ does (they could change the array).
            if (a is not ParameterExpression && second.RunsUserCode) a = code.Let(a, "a");
            var b = second.Element(code, index, visitor);
            return code.Let(Inline(visitor, resultSelector, a, b), "e", ElementType);
        }

        /// <summary>
        /// Zip's MoveNext is <c>e1.MoveNext() &amp;&amp; e2.MoveNext()</c>: when first is the longer one, its element
        /// at <paramref name="index"/> is still computed (its selectors run, and may throw) before second says no.
        /// </summary>
        public override Expression? End(Expression index, ExpressionVisitor visitor)
        {
            StackGuard.Check();
            var secondEnd = second.End(index, visitor);
            var firstEnd = first.End(index, visitor);
            Expression? firstHasMore = null;
            if (first.RunsUserCode || secondEnd is not null)
            {
                var code = new Code();
                if (first.RunsUserCode) first.Element(code, index, visitor);
                if (secondEnd is not null) code.Add(secondEnd);
                firstHasMore = code.ToVoidBlock();
            }
            if (firstHasMore is null && firstEnd is null) return null;
            var test = Expression.GreaterThan(_firstLength!, index);
            return firstEnd is null
                ? Expression.IfThen(test, firstHasMore!)
                : Expression.IfThenElse(test, firstHasMore ?? Expression.Empty(), firstEnd);
        }
    }
}
