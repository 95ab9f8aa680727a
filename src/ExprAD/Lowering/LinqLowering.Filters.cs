using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Lowering;

internal static partial class LinqLowering
{
    /// <summary>
    /// The <c>Where</c>s of a query, with the <c>Select</c>s that come after the first of them: <c>x.Where(v =&gt; v &gt; 0).Sum()</c>,
    /// <c>data.Where(d =&gt; !double.IsNaN(d)).Select(d =&gt; ...).Average()</c>. They run, in the query's order, on each element of
    /// the unfiltered sequence below them; the reduction sees only the elements every Where keeps, and each selector and
    /// predicate runs only on the elements that reached it, as in LINQ. A filter ends a sequence's shared counter: after it,
    /// positions are no longer the source's, so a Select or Where with an index, a Zip, or ToArray (whose length would be
    /// known only at the end) are left to LINQ, that is refused. A Where with an index is taken only as the first filter,
    /// where its index is the position in the sequence below.
    /// </summary>
    private sealed class Filter
    {
        private readonly List<(LambdaExpression Lambda, bool IsWhere)> _stages;

        private Filter(List<(LambdaExpression, bool)> stages) => _stages = stages;

        /// <summary>The filter with <paramref name="selector"/> applied to what it keeps (a reduction's own selector).</summary>
        public Filter Then(LambdaExpression selector) => new([.. _stages, (selector, false)]);

        /// <summary>The unfiltered sequence and the filter on it (null when the query has no Where), or a null sequence when neither can be lowered.</summary>
        public static (Sequence? Source, Filter? Filter) Parse(Expression node)
        {
            // The chain of Where and Select calls from the top of the query down.
            var chain = new List<MethodCallExpression>();
            for (var call = node as MethodCallExpression;
                 call is { Method.Name: nameof(Enumerable.Where) or nameof(Enumerable.Select), Arguments: [_, LambdaExpression] }
                 && call.Method.DeclaringType == typeof(Enumerable);
                 call = call.Arguments[0] as MethodCallExpression)
                chain.Add(call);
            var lowest = chain.FindLastIndex(c => c.Method.Name == nameof(Enumerable.Where));
            if (lowest < 0) return (Sequence.Parse(node), null);
            // From the lowest Where up; what is below it (Selects included) keeps the source's positions and is the sequence.
            var stages = chain.Take(lowest + 1).Reverse()
                .Select(c => ((LambdaExpression)c.Arguments[1], c.Method.Name == nameof(Enumerable.Where))).ToList();
            // Above the lowest Where, positions are the filter's: only its own index (the position below it) is taken.
            if (stages.Skip(1).Any(stage => stage.Item1.Parameters.Count != 1)) return (null, null);
            return (Sequence.Parse(chain[lowest].Arguments[0]), new Filter(stages));
        }

        /// <summary>
        /// Appends to <paramref name="code"/>: each stage in turn on <paramref name="element"/> (at <paramref name="index"/> of the
        /// sequence below), a Where opening an <c>if</c> around the rest; <paramref name="kept"/> adds the code for an element that
        /// passed every Where, given its final value, inside the innermost <c>if</c>.
        /// </summary>
        public void Apply(Code code, Expression element, Expression index, ExpressionVisitor visitor, Action<Code, Expression> kept)
            => Apply(code, element, index, visitor, kept, 0);

        private void Apply(Code code, Expression element, Expression index, ExpressionVisitor visitor, Action<Code, Expression> kept, int stage)
        {
            StackGuard.Check();
            if (stage == _stages.Count)
            {
                kept(code, element);
                return;
            }
            var (lambda, isWhere) = _stages[stage];
            if (!isWhere)
            {
                var value = code.Let(Inline(visitor, lambda, element), "e", lambda.ReturnType);
                Apply(code, value, index, visitor, kept, stage + 1);
                return;
            }
            var passes = code.Let(lambda.Parameters.Count == 2 ? Inline(visitor, lambda, element, index) : Inline(visitor, lambda, element), "keep", typeof(bool));
            var inner = new Code();
            Apply(inner, element, index, visitor, kept, stage + 1);
            code.Add(Expression.IfThen(passes, inner.ToVoidBlock()));
        }

        /// <summary>The value the filter's selectors make of an element that passed it (for a Max or Min's winner, computed again).</summary>
        public Expression Select(Code code, Expression element, ExpressionVisitor visitor)
        {
            foreach (var (lambda, isWhere) in _stages)
                if (!isWhere) element = code.Let(Inline(visitor, lambda, element), "e", lambda.ReturnType);
            return element;
        }
    }
}
