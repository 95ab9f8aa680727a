using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// Pushes in counted loops skip the tape's capacity check: the room for all of a loop's pushes is made before the
/// loop starts, when its trip count is known (<see cref="Tape.ReserveForLoop"/>). The check itself is cheap; its
/// growth call is not, even untaken: the JIT keeps less in registers across a loop that contains a call.
/// </summary>
internal sealed partial class IrEmitter
{
    private static readonly MethodInfo ReserveForLoopMethod = typeof(Tape).GetMethod(nameof(Tape.ReserveForLoop))!;

    /// <summary>Whether the code being emitted is the body of a loop whose pushes were reserved before it (not a loop nested in it).</summary>
    private bool _pushesReserved;

    private Expression PushExpression(Expression value)
        => _pushesReserved ? Tape.UncheckedPushExpression(_tape!, value) : Expression.Call(_tape!, PushMethod, value);

    /// <summary>
    /// Before a counted loop that pushes: <c>tape.ReserveForLoop(start, end, perIteration, atExit)</c>. Returns whether
    /// it did, i.e. whether the pushes emitted directly in the loop's body may go unchecked.
    /// </summary>
    /// <remarks>
    /// The count per iteration is an upper bound: every push site in the body once (the busier side of a branch), plus
    /// the pushes a nested loop makes after it ends; pushes inside nested loops are the nested loop's own (reserved
    /// before it, or checked), and reverse loops in the body push checked (<see cref="WithoutReservedPushes"/>).
    /// The fused reverse of a reduction is counted too, though reverse code pops rather than pushes: an overcount
    /// costs a few unused values, an undercount an IndexOutOfRangeException.
    /// Head pushes of a recorded loop happen once more than its trips, in the iteration that exits.
    /// </remarks>
    private bool ReservePushes(LoopInstr loop, IEnumerable<int> live, List<Expression> statements)
    {
        if (_tape is null || CountedLoops.Bounds(loop) is not var (_, start, end)) return false;
        var heads = loop.Records ? live.Count(j => loop.Carried[j].Slot is { } slot && _liveSlots.Contains(slot)) : 0;
        var perIteration = heads + PushSites(loop.Body) + (loop.FusedReverse is { } fused ? PushSites(fused) : 0);
        if (perIteration == 0) return false;
        statements.Add(Expression.Call(_tape, ReserveForLoopMethod,
            ValueOf(start), ValueOf(end), Expression.Constant(perIteration), Expression.Constant(heads)));
        return true;
    }

    /// <summary>The most pushes one pass through the block makes itself (see <see cref="ReservePushes"/>).</summary>
    private int PushSites(Block block)
    {
        StackGuard.Check();
        return block.Instructions.Sum(instr => instr switch
        {
            Op { ResultSlot: { } slot } when _liveSlots.Contains(slot) => 1,
            IfInstr branch => Math.Max(PushSites(branch.WhenTrue), PushSites(branch.WhenFalse)),
            LoopInstr inner => inner.AfterSlots?.Count(_liveSlots.Contains) ?? 0,
            _ => 0,
        });
    }

    /// <summary>Emits with pushes checked or not, restoring the enclosing loop's setting after.</summary>
    private void WithReservedPushes(bool reserved, Action emit)
    {
        var enclosing = _pushesReserved;
        _pushesReserved = reserved;
        try
        {
            emit();
        }
        finally
        {
            _pushesReserved = enclosing;
        }
    }

    private void WithoutReservedPushes(Action emit) => WithReservedPushes(false, emit);
}
