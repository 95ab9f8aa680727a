using System.Linq.Expressions;

namespace ExprAD.Ir;

/// <summary>Recognises <c>for (i = start; i &lt; end; i++)</c> in the intermediate form.</summary>
internal static class CountedLoops
{
    /// <summary>
    /// The counter, start and end when the loop has one exit, on <c>!(i &lt; end)</c> or <c>i &gt;= end</c>, with only pure
    /// ops (its test) before it, i an induction counter of step 1, and end a constant or computed before the loop:
    /// the trip count is <c>max(0, end - start)</c>, known when the loop starts.
    /// </summary>
    public static (Carried Counter, Value Start, Value End)? Bounds(LoopInstr loop)
    {
        var body = loop.Body.Instructions;
        var first = body.FindIndex(instr => instr is not Op { Pure: true });
        if (first < 0 || body[first] is not ExitInstr exit || loop.Exits.Count() != 1) return null;
        var test = exit.Condition.Definition switch
        {
            { Kind: OpKind.Unary, NodeType: ExpressionType.Not } not
                when not.Args[0].Definition is { Kind: OpKind.Binary, NodeType: ExpressionType.LessThan } less => less,
            { Kind: OpKind.Binary, NodeType: ExpressionType.GreaterThanOrEqual } atLeast => atLeast,
            _ => null,
        };
        if (test is null) return null;
        var counter = loop.Carried.FirstOrDefault(c => c.Head == test.Args[0] && c.InductionStep == 1);
        var end = test.Args[1];
        if (counter is null || !end.IsConstant && (!loop.Body.Sees(end.Block) || IsInside(end.Block, loop))) return null;
        return (counter, counter.Init, end);
    }

    /// <summary>The constant c with <paramref name="value"/> = <paramref name="counter"/> + c, if it has that form (through a few +/- constants).</summary>
    public static int? OffsetFrom(Value counter, Value value, int depth = 0)
    {
        if (value == counter) return 0;
        if (depth > 4 || value.Definition is not { Kind: OpKind.Binary } op || op.Args.Length != 2) return null;
        var (a, b) = (op.Args[0], op.Args[1]);
        var (rest, constant) = op.NodeType switch
        {
            ExpressionType.Add when b.ConstantValue is int c => (a, (long)c),
            ExpressionType.Add when a.ConstantValue is int c => (b, c),
            ExpressionType.Subtract when b.ConstantValue is int c => (a, -(long)c),
            _ => (null, 0L),
        };
        if (rest is null || OffsetFrom(counter, rest, depth + 1) is not { } inner) return null;
        // Offsets are small in practice; anything near overflow is left alone rather than reasoned about.
        var offset = inner + constant;
        return Math.Abs(offset) <= 1 << 20 ? (int)offset : null;
    }

    /// <summary>The trip count when start and end are constants.</summary>
    public static int? ConstantTrips(LoopInstr loop)
        => Bounds(loop) is (_, { ConstantValue: int start }, { ConstantValue: int end }) ? Math.Max(0, end - start) : null;

    private static bool IsInside(Block block, LoopInstr loop)
        => block == loop.Body || Blocks.AllInstructions(loop.Body).Any(instr => instr switch
        {
            IfInstr branch => branch.WhenTrue == block || branch.WhenFalse == block,
            LoopInstr inner => inner.Body == block,
            _ => false,
        });
}
