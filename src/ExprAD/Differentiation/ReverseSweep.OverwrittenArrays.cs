using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Local arrays updated in place (<c>u[i] = u[i] + dt * (u[i-1] - 2 u[i] + u[i+1])</c> in a loop over time steps): the
/// reverse of a recorded loop recomputes each iteration, and a recomputed read of an element that the forward sweep
/// has overwritten since would see the new value. Two ways to give the recomputation the values the forward sweep read:
/// <list type="bullet">
/// <item>A read at the top level of the loop's body keeps its value on the tape, as math calls do (<see cref="Op.ResultSlot"/>):
/// one push per read, popped by the reverse of its iteration.</item>
/// <item>An array also read in code nested in the body (an inner loop, a branch) is pushed whole at the start of each
/// iteration (<see cref="LoopInstr.EntrySnapshots"/>); the reverse of the iteration restores it and recomputes the
/// iteration with real stores, so the iteration's reads and writes happen again as they did. Loops nested in it
/// settle their own reads the same way in their own reverse.</item>
/// </list>
/// </summary>
/// <remarks>
/// The snapshot costs the array's length per iteration, the price of checkpointing a simulation's state once per time
/// step. Reads whose value the reverse never needs (the read of an accumulation <c>a[i] = a[i] + t</c>) need neither, and
/// an array read only so is left alone, as before: its recomputed reads are unstable and dropped as dead code.
/// </remarks>
internal sealed partial class ReverseSweep
{
    /// <summary>Chooses, for a recorded loop, which reads of overwritten arrays go on the tape and which arrays are snapshotted at entry.</summary>
    private void KeepOverwrittenReads(LoopInstr loop, IReadOnlySet<Value> endSnapshots)
    {
        var replayedAsGhosts = GhostWrites(loop.Body);
        bool Overwritten(Value array) => !endSnapshots.Contains(array) && _arrayOrder.WrittenBeforeReversed(array, loop)
                                         && !_scratch.IsRefilledWithin(array, loop)
                                         && !replayedAsGhosts.Contains(array) && !_restoredIterations.Any(r => r.Restored.Contains(array));
        var uses = UsesIn(loop.Body);
        var nestedReads = new HashSet<Value>();
        foreach (var instr in loop.Body.Instructions)
            if (instr is IfInstr or LoopInstr)
                foreach (var load in Blocks.WithNested(instr).OfType<Op>())
                    if (load.Kind == OpKind.LoadElement && Overwritten(load.Args[0]) && !IsAccumulation(load, uses))
                        nestedReads.Add(load.Args[0]);
        foreach (var array in nestedReads)
        {
            // Created outside the loop (arrays created in loops are refused earlier), so its length is known before it.
            if (array.Type != typeof(double[]) || array.Definition is not { Kind: OpKind.NewArray } created) continue;
            loop.EntrySnapshots.Add((array, created.Args[0]));
        }
        foreach (var instr in loop.Body.Instructions)
            if (instr is Op { Kind: OpKind.LoadElement, ResultSlot: null, Unstable: false } load && Overwritten(load.Args[0])
                && !loop.EntrySnapshots.Any(s => s.Array == load.Args[0]) && !IsAccumulation(load, uses))
                load.ResultSlot = new TapeSlot(load.Result.Type);
    }

    /// <summary>
    /// Arrays the block writes only as ghosts: it is a copy recomputed in the reverse of an enclosing iteration that restored
    /// the arrays' final state (or did not restore them), so their state is not the one the forward sweep saw here. The
    /// enclosing copy has settled those reads already: they see the final state (<see cref="ChooseSnapshots"/>), or were
    /// marked unstable, and a snapshot taken here would hold the wrong state and make the stores real.
    /// </summary>
    private static HashSet<Value> GhostWrites(Block block)
        => Blocks.AllInstructions(block).Select(instr => instr switch
        {
            StoreElementInstr { Ghost: true } store => store.Array,
            ClearArrayInstr { Ghost: true } clear => clear.Array,
            _ => null,
        }).OfType<Value>().ToHashSet();

    /// <summary>The instructions of the block (nested blocks included) that use each value.</summary>
    private static Dictionary<Value, List<Instr>> UsesIn(Block block)
    {
        var uses = new Dictionary<Value, List<Instr>>();
        foreach (var instr in Blocks.AllInstructions(block))
            foreach (var used in InstrUses.UsedBy(instr))
            {
                if (!uses.TryGetValue(used, out var users)) uses[used] = users = [];
                users.Add(instr);
            }
        return uses;
    }
}
