using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// The reverse of a counted loop <c>for (i = start; i &lt; end; i++)</c> counts its own counter down,
/// <c>if (start &lt; end) for (i = end - 1; ; i--) { body; if (i == start) break; }</c>, instead of an iteration index from
/// which the body recomputes <c>i = start + iteration</c>. The JIT does better with a loop that starts from the forward
/// loop's own bound (often a constant) and indexes with its counter: the GMM gradient 10% faster in a C# copy of the
/// generated code than with the index loop, 3% faster than with <c>for (k = trips - 1; k &gt;= 0; k--)</c>.
/// </summary>
/// <remarks>
/// The test comes after the body and compares for equality, so that no value of start or end can overflow the counter
/// (<c>i &gt;= start</c> would never fail for start = int.MinValue). The iteration index is still assigned,
/// <c>iteration = i - start</c>, for the code that reads it (scratch rows, other induction variables); the JIT drops it
/// when nothing does.
/// </remarks>
internal sealed partial class IrEmitter
{
    /// <summary>The op of the full body that computes <c>start + iteration</c> (the forward counter), with start and end; null if not a counted loop.</summary>
    private (Op? Counter, Value Start, Value End)? CountedReverse(ReverseLoopInstr reverse)
    {
        if (CountedLoops.Bounds(reverse.Forward) is not var (_, start, end)) return null;
        Op? index = null;
        foreach (var instr in reverse.FullBody.Instructions)
        {
            if (instr is not Op op) continue;
            if (index is null && op is { Kind: OpKind.ReadVariable } read && read.Variable == reverse.Iteration)
            {
                index = read;
                if (start.ConstantValue is 0) return (index, start, end);
            }
            else if (index is not null && op is { Kind: OpKind.Binary, NodeType: ExpressionType.Add } add
                     && (add.Args[0] == start && add.Args[1] == index.Result || add.Args[1] == start && add.Args[0] == index.Result))
                return (add, start, end);
        }
        return (null, start, end);
    }

    private void EmitCountedReverseLoop(ReverseLoopInstr reverse, Op? counterOp, Value start, Value end, List<Expression> statements)
    {
        var counter = Expression.Variable(typeof(int), "counter");
        var first = Expression.Variable(typeof(int), "first");
        _extraVariables.Add(counter);
        _extraVariables.Add(first);
        if (counterOp is not null && !_dead.Contains(counterOp.Result))
        {
            // Every use of start + iteration reads the counter instead.
            _cancelled.Add(counterOp);
            _inlined.Remove(counterOp.Result);
            _locals[counterOp.Result] = counter;
        }
        var iteration = VariableOf(reverse.Iteration);
        var breakLabel = Expression.Label("reverseLoopEnd");
        if (CountedLoops.ConstantTrips(reverse.Forward) is { } trips) _knownTrips[breakLabel] = trips;
        var body = new List<Expression> { Expression.Assign(iteration, Expression.Subtract(counter, first)) };
        _reverseIterations.Push(iteration);
        EmitInstructions(reverse.FullBody, body);
        _reverseIterations.Pop();
        body.Add(Expression.IfThen(Expression.Equal(counter, first), Expression.Break(breakLabel)));
        body.Add(Expression.PreDecrementAssign(counter));
        statements.Add(Expression.Assign(first, ValueOf(start)));
        statements.Add(Expression.IfThen(Expression.LessThan(first, ValueOf(end)), Expression.Block(typeof(void),
            Expression.Assign(counter, Expression.Subtract(ValueOf(end), Expression.Constant(1))),
            Expression.Loop(Expression.Block(typeof(void), body), breakLabel))));
    }
}
