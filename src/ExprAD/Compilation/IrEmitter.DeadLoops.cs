using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// Counted loops that do nothing anyone reads are not emitted. They come from recomputation: a loop nested
/// in a recorded loop is copied into each reversed iteration, and when its stores are ghosts and its values
/// unused, the copy only counts its trips for its own reverse loop. That count is then written in closed
/// form, <c>trips = max(0, end - start)</c>, instead of running the loop to count.
/// </summary>
internal sealed partial class IrEmitter
{
    private readonly HashSet<LoopInstr> _deadLoops = new(ReferenceEqualityComparer.Instance);

    /// <summary>Finds the dead loops, innermost first (a loop whose only effect is a dead inner loop is dead too).</summary>
    private void FindDeadLoops(IReadOnlyList<Block> blocks)
    {
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
            {
                if (instr is LoopInstr loop) IsDead(loop);
            });
    }

    private bool IsDead(LoopInstr loop)
    {
        if (_deadLoops.Contains(loop)) return true;
        var dead = CountedLoops.Bounds(loop) is not null
                   && loop.AfterSlots is null && loop.Snapshots.Count == 0 && loop.EntrySnapshots.Count == 0
                   && loop.FusedReverse is not { Instructions.Count: > 0 }
                   && loop.Carried.All(c => _uses.GetValueOrDefault(c.After) == 0 && !(loop.Records && c.Slot is { } slot && _liveSlots.Contains(slot)))
                   && loop.Body.Instructions.All(HasNoEffect);
        if (dead) _deadLoops.Add(loop);
        return dead;
    }

    /// <summary>Whether running the instruction can change anything but values used inside the loop being checked.</summary>
    private bool HasNoEffect(Instr instr) => instr switch
    {
        ExitInstr => true,
        Op op => (op.Droppable || _dead.Contains(op.Result))
                 && !(op.ResultSlot is { } pushed && _liveSlots.Contains(pushed))
                 && !(op is { Kind: OpKind.TapePop, Slot: { } popped } && _liveSlots.Contains(popped)),
        StoreElementInstr store => store.Ghost,
        ClearArrayInstr clear => clear.Ghost,
        IfInstr branch => branch.WhenTrue.Instructions.All(HasNoEffect) && branch.WhenFalse.Instructions.All(HasNoEffect),
        LoopInstr inner => IsDead(inner),
        _ => false,
    };

    /// <summary>What a dead loop leaves: its trip count and exit, when a reverse loop reads them.</summary>
    private void EmitDeadLoop(LoopInstr loop, List<Expression> statements)
    {
        if (!loop.Records) return;
        var (_, start, end) = CountedLoops.Bounds(loop)!.Value;
        var trips = Expression.Subtract(ValueOf(end), ValueOf(start));
        statements.Add(Expression.Assign(VariableOf(loop.TripCount!), Expression.Condition(
            Expression.GreaterThan(trips, Expression.Constant(0)), trips, Expression.Constant(0))));
        statements.Add(Expression.Assign(VariableOf(loop.ExitTaken!), Expression.Constant(0)));
    }
}
