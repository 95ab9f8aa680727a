namespace ExprAD.Ir;

/// <summary>Which values an instruction reads and defines (not counting the blocks nested in it).</summary>
internal static class InstrUses
{
    public static IEnumerable<Value> UsedBy(Instr instr) => instr switch
    {
        Op op => op.Args,
        IfInstr branch => branch.Joins.SelectMany(j => new[] { j.WhenTrue, j.WhenFalse }).Prepend(branch.Condition),
        LoopInstr loop => loop.Carried.SelectMany(c => new[] { c.Init, c.Next })
            .Concat(loop.Snapshots.Concat(loop.EntrySnapshots).SelectMany(s => new[] { s.Array, s.Length })),
        RestoreArrayInstr restore => [restore.Array, restore.Length],
        ExitInstr exit => exit.Values.Prepend(exit.Condition),
        AccumulateInstr accumulate => [accumulate.Term],
        AssignVariableInstr assign => [assign.Value],
        GradientAddInstr add => [add.Index, add.Term],
        ClearGradientOutsideInstr clear => [clear.Wrote, clear.Start, clear.End],
        StoreElementInstr { Ghost: false } store => [store.Array, store.Index, store.Value],
        AccumulateElementInstr add => [add.Array, add.Index, add.Term],
        ClearArrayInstr { Ghost: false } clear => [clear.Array],
        _ => [],
    };

    public static IEnumerable<Value> DefinedBy(Instr instr) => instr switch
    {
        Op op => [op.Result],
        IfInstr branch => branch.Joins.Select(j => j.Result),
        LoopInstr loop => loop.Carried.Select(c => c.After),
        _ => [],
    };

    /// <summary>The local array whose elements the instruction reads or writes (not counting the blocks nested in it), if any.</summary>
    public static Value? ArrayAccessed(Instr instr) => instr switch
    {
        Op { Kind: OpKind.LoadElement } load => load.Args[0],
        StoreElementInstr store => store.Array,
        AccumulateElementInstr add => add.Array,
        ClearArrayInstr clear => clear.Array,
        RestoreArrayInstr restore => restore.Array,
        _ => null,
    };

    /// <summary>Whether the instruction, or one nested in it, reads or writes elements of <paramref name="array"/>.</summary>
    public static bool AccessesArray(Instr instr, Value array, bool withReverse = false)
        => Blocks.WithNested(instr, withReverse).Any(inner => ArrayAccessed(inner) == array);
}
