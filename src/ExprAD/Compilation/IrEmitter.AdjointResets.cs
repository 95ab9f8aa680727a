using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// The reverse of <c>a[i] += t</c> reads the adjoint of the new element, zeroes it (the store overwrote the
/// old element), and then adds the same amount back as the adjoint of the old element that the addition read:
/// <c>c = abar[i]; abar[i] = 0; ...; abar[i] += c</c>. Nothing reads abar in between, so the zeroing and the
/// adding back cancel: neither is emitted, and abar[i] keeps c (two stores and a load fewer per element, in
/// the innermost loops of column-by-column updates such as GMM's).
/// </summary>
internal sealed partial class IrEmitter
{
    private readonly HashSet<Instr> _cancelled = new(ReferenceEqualityComparer.Instance);

    private void FindCancellingAdjointResets(IReadOnlyList<Block> blocks) => ForEachBlock(blocks, FindCancellingAdjointResets);

    /// <summary>Within one block: <c>c = a[i]</c>, then <c>a[i] = 0</c>, then <c>a[i] += c</c>, nothing else touching a from the load on.</summary>
    private void FindCancellingAdjointResets(Block block)
    {
        var instructions = block.Instructions;
        for (var s = 0; s < instructions.Count; s++)
        {
            if (instructions[s] is not StoreElementInstr { Ghost: false } reset || !reset.Value.IsConstantDouble(0)) continue;
            var load = LastTouchBefore(instructions, s, reset.Array) is Op { Kind: OpKind.LoadElement } read
                       && read.Args[1] == reset.Index ? read : null;
            if (load is null) continue;
            for (var a = s + 1; a < instructions.Count; a++)
            {
                if (!Touches(instructions[a], reset.Array)) continue;
                if (instructions[a] is AccumulateElementInstr add && add.Array == reset.Array && add.Index == reset.Index && add.Term == load.Result)
                {
                    _cancelled.Add(reset);
                    _cancelled.Add(add);
                }
                break;
            }
        }
    }

    private static Instr? LastTouchBefore(List<Instr> instructions, int end, Value array)
    {
        for (var k = end - 1; k >= 0; k--)
            if (Touches(instructions[k], array)) return instructions[k];
        return null;
    }

    private static bool Touches(Instr instr, Value array) => InstrUses.AccessesArray(instr, array, withReverse: true);
}
