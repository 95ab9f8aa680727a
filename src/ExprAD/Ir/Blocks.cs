using ExprAD.Diagnostics;

namespace ExprAD.Ir;

/// <summary>Walks of the structured code: one place that knows which blocks an instruction nests.</summary>
internal static class Blocks
{
    /// <summary>
    /// Every instruction of <paramref name="block"/> in program order, each followed by the instructions of
    /// the blocks nested in it (an if's two branches, a loop's body; not the reverse code fused into a loop).
    /// </summary>
    public static IEnumerable<Instr> AllInstructions(Block block)
    {
        StackGuard.Check();
        foreach (var instr in block.Instructions)
        {
            yield return instr;
            var nested = instr switch
            {
                IfInstr branch => AllInstructions(branch.WhenTrue).Concat(AllInstructions(branch.WhenFalse)),
                LoopInstr loop => AllInstructions(loop.Body),
                _ => [],
            };
            foreach (var inner in nested) yield return inner;
        }
    }
}
