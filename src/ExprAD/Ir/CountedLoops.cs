using System.Linq.Expressions;

namespace ExprAD.Ir;

/// <summary>Recognises <c>for (i = start; i &lt; end; i++)</c> in the intermediate form.</summary>
internal static class CountedLoops
{
    /// <summary>
    /// (start, end) when the loop has one exit, on <c>!(i &lt; end)</c>, with only pure ops (its test) before it,
    /// i an induction counter of step 1, and end a constant or computed before the loop: the trip count is
    /// <c>max(0, end - start)</c>, known when the loop starts.
    /// </summary>
    public static (Value Start, Value End)? Bounds(LoopInstr loop)
    {
        var body = loop.Body.Instructions;
        var first = body.FindIndex(instr => instr is not Op { Pure: true });
        if (first < 0 || body[first] is not ExitInstr exit || loop.Exits.Count() != 1) return null;
        if (exit.Condition.Definition is not { Kind: OpKind.Unary, NodeType: ExpressionType.Not } not
            || not.Args[0].Definition is not { Kind: OpKind.Binary, NodeType: ExpressionType.LessThan } less) return null;
        var counter = loop.Carried.FirstOrDefault(c => c.Head == less.Args[0] && c.InductionStep == 1);
        var end = less.Args[1];
        if (counter is null || !end.IsConstant && (!loop.Body.Sees(end.Block) || IsInside(end.Block, loop))) return null;
        return (counter.Init, end);
    }

    /// <summary>The trip count when start and end are constants.</summary>
    public static int? ConstantTrips(LoopInstr loop)
        => Bounds(loop) is ({ ConstantValue: int start }, { ConstantValue: int end }) ? Math.Max(0, end - start) : null;

    private static bool IsInside(Block block, LoopInstr loop)
        => block == loop.Body || Blocks.AllInstructions(loop.Body).Any(instr => instr switch
        {
            IfInstr branch => branch.WhenTrue == block || branch.WhenFalse == block,
            LoopInstr inner => inner.Body == block,
            _ => false,
        });
}
