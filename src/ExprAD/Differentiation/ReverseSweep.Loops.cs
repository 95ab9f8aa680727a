using ExprAD.Ir;

namespace ExprAD.Differentiation;

internal sealed partial class ReverseSweep
{
    /// <summary>
    /// Reverse of a loop. The forward loop records its trip count, which exit it took, and pushes the
    /// heads of carried values that are not induction counters. The reverse runs the iterations
    /// backwards; each restores its heads (popped, or recomputed from the iteration index), recomputes
    /// the body from them, and reverses it. Only what the reverse actually reads stays on the tape: the
    /// emitter drops pushes whose pops are unused, so a reduction (<c>s = s + g(i)</c>) tapes nothing.
    /// </summary>
    private void ReverseLoop(LoopInstr loop, Block forwardBlock)
    {
        var active = loop.Carried.Where(c => c.Head.Active).ToList();
        var seeds = active.Select(c => TakeAdjoint(c.After)).ToList();
        if (seeds.All(s => s is null)) return; // nothing computed in the loop reaches the result

        loop.Records = true;
        loop.TripCount = _builder.NewVariable(typeof(int), "trips");
        loop.ExitTaken = _builder.NewVariable(typeof(int), "exit");
        foreach (var carried in loop.Carried)
            if (carried.InductionStep is null) carried.Slot ??= new TapeSlot(carried.Head.Type);

        var outer = _builder.Current;
        var carriedAdjoints = active.Select(c => _builder.NewVariable(typeof(double), $"adj{c.Name}")).ToList();
        for (var j = 0; j < active.Count; j++)
            outer.Instructions.Add(new AssignVariableInstr(carriedAdjoints[j], seeds[j] ?? _builder.Double(0)));

        var iteration = _builder.NewVariable(typeof(int), "iteration");
        var exits = loop.Body.Instructions.Select((instr, index) => (instr, index)).Where(p => p.instr is ExitInstr).ToList();
        var partial = exits.Select(e => ReverseIteration(loop, forwardBlock, outer, iteration, carriedAdjoints,
            upTo: e.index, seedTargets: ((ExitInstr)e.instr).Values)).ToArray();
        var full = ReverseIteration(loop, forwardBlock, outer, iteration, carriedAdjoints,
            upTo: loop.Body.Instructions.Count, seedTargets: loop.Carried.Select(c => c.Next).ToArray());

        _builder.Current = outer;
        outer.Instructions.Add(new ReverseLoopInstr(loop, iteration, partial, full));
        for (var j = 0; j < active.Count; j++)
            AddTerm(active[j].Init, _builder.ReadVariable(carriedAdjoints[j]));
    }

    /// <summary>One reversed iteration: restore heads, recompute body[0, upTo), seed, reverse, hand the head adjoints on.</summary>
    private Block ReverseIteration(LoopInstr loop, Block forwardBlock, Block outer, MutableVariable iteration,
        List<MutableVariable> carriedAdjoints, int upTo, Value[] seedTargets)
    {
        // Sees the reverse code before it and the forward values outside the loop, never the loop's own
        // (overwritten) forward values: those are recomputed here.
        var body = new Block(outer, forwardBlock);
        _reverseOf[body] = body;
        _builder.Current = body;

        var index = _builder.ReadVariable(iteration);
        var heads = new Dictionary<Value, Value>();
        // Pops come in the reverse order of the pushes at the top of each forward iteration.
        for (var j = loop.Carried.Count - 1; j >= 0; j--)
        {
            var carried = loop.Carried[j];
            heads[carried.Head] = carried.InductionStep is { } step
                ? _builder.Add(carried.Init, _builder.Multiply(index, _builder.Constant(step, typeof(int))))
                : _builder.TapePop(carried.Slot!, carried.Head.Active);
        }

        var cloner = new IrCloner(_builder, heads);
        var start = body.Instructions.Count;
        cloner.CloneInstructions(loop.Body, upTo, body);
        var end = body.Instructions.Count;

        var active = loop.Carried.Where(c => c.Head.Active).ToList();
        for (var j = 0; j < active.Count; j++)
        {
            var target = cloner.Map(seedTargets[loop.Carried.IndexOf(active[j])]);
            if (target.Active) AddTerm(target, _builder.ReadVariable(carriedAdjoints[j]));
        }
        Reverse(body, start, end);
        for (var j = 0; j < active.Count; j++)
            body.Instructions.Add(new AssignVariableInstr(carriedAdjoints[j], TakeAdjoint(heads[active[j].Head]) ?? _builder.Double(0)));
        return body;
    }
}
