using ExprAD.Diagnostics;

namespace ExprAD.Ir;

/// <summary>Walks of the structured code: one place that knows which blocks an instruction nests.</summary>
internal static class Blocks
{
    /// <summary>
    /// Every instruction of <paramref name="block"/> in program order, each followed by the instructions of
    /// the blocks nested in it (an if's two branches, a loop's body; with <paramref name="withReverse"/> also
    /// the reverse code fused into a loop and the bodies of reverse loops).
    /// </summary>
    public static IEnumerable<Instr> AllInstructions(Block block, bool withReverse = false)
        => block.Instructions.SelectMany(instr => WithNested(instr, withReverse));

    /// <summary><paramref name="instr"/>, then the instructions of the blocks nested in it (see <see cref="AllInstructions"/>).</summary>
    public static IEnumerable<Instr> WithNested(Instr instr, bool withReverse = false)
    {
        StackGuard.Check();
        yield return instr;
        foreach (var block in Nested(instr, withReverse))
            foreach (var inner in AllInstructions(block, withReverse))
                yield return inner;
    }

    /// <summary>The blocks directly nested in <paramref name="instr"/> (see <see cref="AllInstructions"/>).</summary>
    public static IEnumerable<Block> Nested(Instr instr, bool withReverse = false) => instr switch
    {
        IfInstr branch => [branch.WhenTrue, branch.WhenFalse],
        LoopInstr loop when withReverse && loop.FusedReverse is { } fused => [loop.Body, fused],
        LoopInstr loop => [loop.Body],
        ReverseLoopInstr reverse when withReverse => [.. reverse.PartialBodies, reverse.FullBody],
        _ => [],
    };
}
