using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// Snapshots without copies. A recorded loop snapshots a scratch array (GMM's y and z per mixture component) by
/// pushing all its elements at the end of each iteration and popping them back in the reverse of that iteration:
/// two copies of the array per iteration, about a sixth of GMM's gradient. When nothing but that loop and its reverse
/// touches the array, the array variable instead points at row t of a <see cref="ScratchRows"/> during iteration t,
/// forward and reverse: the rows are the snapshots, already in place.
/// </summary>
internal sealed partial class IrEmitter
{
    /// <summary>The arrays given rows, with the local that holds their rows.</summary>
    private readonly Dictionary<Value, (ParameterExpression Set, ParameterExpression Rows)> _scratchRows = [];

    /// <summary>The trip index of the reverse loops being emitted, innermost last (a restore takes the innermost's).</summary>
    private readonly Stack<ParameterExpression> _reverseIterations = new();

    /// <summary>
    /// An array gets rows when exactly one loop, which records and appears once, snapshots it; exactly one reverse
    /// loop reverses that loop; and every instruction that uses the array (other than reading its length) is inside
    /// the loop or inside the full iterations of its reverse. Between the loop and its reverse the variable holds some
    /// row rather than the last iteration's state, so no code there may look at it.
    /// </summary>
    private void FindScratchRows(IReadOnlyList<Block> blocks)
    {
        var owners = new Dictionary<Value, LoopInstr>();
        var shared = new HashSet<Value>();
        var loopCopies = new Dictionary<LoopInstr, int>(ReferenceEqualityComparer.Instance);
        var reverses = new Dictionary<LoopInstr, int>(ReferenceEqualityComparer.Instance);
        foreach (var instr in blocks.SelectMany(b => Blocks.AllInstructions(b, withReverse: true)))
        {
            if (instr is ReverseLoopInstr reverse) reverses[reverse.Forward] = reverses.GetValueOrDefault(reverse.Forward) + 1;
            if (instr is not LoopInstr loop) continue;
            loopCopies[loop] = loopCopies.GetValueOrDefault(loop) + 1;
            foreach (var (array, _) in loop.Snapshots)
                if (!owners.TryAdd(array, loop)) shared.Add(array);
        }
        var candidates = owners
            .Where(o => !shared.Contains(o.Key) && IrBuilder.IsLocalArray(o.Key) && o.Value is { Records: true, TripCount: not null } && CountedLoops.Bounds(o.Value) is not null
                        && loopCopies[o.Value] == 1 && reverses.GetValueOrDefault(o.Value) == 1)
            .ToDictionary(o => o.Key, o => o.Value);
        if (candidates.Count == 0) return;

        var path = new List<(Instr Instr, bool Partial)>();
        void Walk(Block block, bool partial)
        {
            StackGuard.Check();
            foreach (var instr in block.Instructions)
            {
                path.Add((instr, partial));
                foreach (var used in InstrUses.UsedBy(instr))
                    if (candidates.TryGetValue(used, out var owner) && !MayUseRow(owner, path))
                        candidates.Remove(used);
                switch (instr)
                {
                    case IfInstr branch:
                        Walk(branch.WhenTrue, partial);
                        Walk(branch.WhenFalse, partial);
                        break;
                    case LoopInstr loop:
                        Walk(loop.Body, false);
                        if (loop.FusedReverse is { } fused) Walk(fused, false);
                        break;
                    case ReverseLoopInstr reverse:
                        foreach (var body in reverse.PartialBodies) Walk(body, true);
                        Walk(reverse.FullBody, false);
                        break;
                }
                path.RemoveAt(path.Count - 1);
            }
        }
        foreach (var block in blocks) Walk(block, false);
        foreach (var array in candidates.Keys)
            _scratchRows[array] = (Expression.Variable(typeof(ScratchRows), $"rowSet{array.Id}"), Expression.Variable(typeof(double[][]), $"rows{array.Id}"));
    }

    /// <summary>Whether the last instruction of <paramref name="path"/> (the instructions enclosing it before it) may see the array as the current iteration's row.</summary>
    private static bool MayUseRow(LoopInstr owner, List<(Instr Instr, bool Partial)> path)
    {
        var instr = path[^1].Instr;
        if (instr == owner || instr is Op { Kind: OpKind.Unary, NodeType: ExpressionType.ArrayLength }) return true;
        // The partial bodies reverse an iteration that left early, before its snapshot: no row holds its state.
        for (var depth = path.Count - 2; depth >= 0; depth--)
        {
            if (path[depth].Instr == owner) return true;
            if (path[depth].Instr is ReverseLoopInstr reverse && reverse.Forward == owner) return !path[depth + 1].Partial;
        }
        return false;
    }

    private static readonly System.Reflection.MethodInfo RentRowsMethod = typeof(Tape).GetMethod(nameof(Tape.RentRows))!;
    private static readonly System.Reflection.MethodInfo ReserveMethod = typeof(ScratchRows).GetMethod(nameof(ScratchRows.Reserve))!;

    /// <summary>After the array's creation: <c>rows = tape.RentRows(length)</c>.</summary>
    private void RentScratchRows(Op created, List<Expression> statements)
    {
        if (_scratchRows.TryGetValue(created.Result, out var rows))
            statements.Add(Expression.Assign(rows.Set, Expression.Call(_tape!, RentRowsMethod, ValueOf(created.Args[0]))));
    }

    /// <summary>Before the owning loop, for each array with rows: <c>rowArrays = rows.Reserve(end - start)</c>, one row per trip.</summary>
    private List<(Value Array, ParameterExpression Rows)> ReserveScratchRows(LoopInstr loop, List<Expression> statements)
    {
        var reserved = new List<(Value, ParameterExpression)>();
        foreach (var (array, _) in loop.Snapshots)
        {
            if (!_scratchRows.TryGetValue(array, out var rows)) continue;
            var (_, start, end) = CountedLoops.Bounds(loop)!.Value;
            statements.Add(Expression.Assign(rows.Rows, Expression.Call(rows.Set, ReserveMethod, Expression.Subtract(ValueOf(end), ValueOf(start)))));
            reserved.Add((array, rows.Rows));
        }
        return reserved;
    }

    /// <summary><c>array = rowArrays[iteration]</c>, if the array has rows.</summary>
    private bool TrySelectRow(Value array, Expression iteration, List<Expression> statements)
    {
        if (!_scratchRows.TryGetValue(array, out var rows)) return false;
        statements.Add(Expression.Assign(LocalOf(array), Expression.ArrayIndex(rows.Rows, iteration)));
        return true;
    }
}
