namespace ExprAD.Ir;

/// <summary>Which values an instruction reads and defines (not counting the blocks nested in it).</summary>
internal static class InstrUses
{
    public static IEnumerable<Value> UsedBy(Instr instr) => instr switch
    {
        Op op => op.Args,
        IfInstr branch => branch.Joins.SelectMany(j => new[] { j.WhenTrue, j.WhenFalse }).Prepend(branch.Condition),
        LoopInstr loop => loop.Carried.SelectMany(c => new[] { c.Init, c.Next }).Concat(loop.Snapshots.SelectMany(s => new[] { s.Array, s.Length })),
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
}
