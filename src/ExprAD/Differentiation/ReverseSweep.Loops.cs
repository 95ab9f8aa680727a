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
        var active = Differentiated(loop);
        var seeds = active.Select(c => TakeAdjoint(c.After)).ToList();
        // Nothing computed in the loop reaches the result, unless through the arrays it writes.
        if (seeds.All(s => s is null) && !WritesArrays(loop)) return;
        if (ArraysAllowFusion(loop) && TryFuseReduction(loop, active, seeds)) return;

        loop.Records = true;
        // Inside another loop the taped results live only until this loop's reverse, once per outer iteration;
        // at the top level they would stay for the whole call (a loss over 10^6 rows must keep O(1) memory).
        if (forwardBlock != _builder.Root)
        {
            TapeNestedReductions(loop);
            // An innermost reduction tapes nothing, however long it runs (a sum over 10^6 terms inside an outer
            // loop): its reverse recomputes. Other loops tape a few values per iteration already, and so does a
            // reduction whose trip count is a small constant (the K exponentials of a logsumexp over mixture
            // components): its tape is bounded, and an exp costs more than a push and a pop.
            if (!IsReplayableReduction(loop) || loop.Body.Instructions.Any(i => i is LoopInstr { AfterSlots: not null })
                || CountedLoops.ConstantTrips(loop) <= MaxTapedConstantTrips)
                TapeMathCalls(loop);
        }
        var (snapshots, staleLoads) = ChooseSnapshots(loop, forwardBlock);
        loop.Snapshots.AddRange(snapshots.Select(a => (a, _scratch.LengthOf(a))));
        KeepOverwrittenReads(loop, snapshots.ToHashSet());
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
            upTo: e.index, seedTargets: ((ExitInstr)e.instr).Values, staleLoads)).ToArray();
        var full = ReverseIteration(loop, forwardBlock, outer, iteration, carriedAdjoints,
            upTo: loop.Body.Instructions.Count, seedTargets: loop.Carried.Select(c => c.Next).ToArray(), staleLoads);

        _builder.Current = outer;
        outer.Instructions.Add(new ReverseLoopInstr(loop, iteration, partial, full));
        for (var j = 0; j < active.Count; j++)
            AddTerm(active[j].Init, _builder.ReadVariable(carriedAdjoints[j]));
    }

    /// <summary>
    /// The carried values whose adjoints the reverse passes around (<see cref="Carried.Differentiated"/>): the adjoint of one
    /// active only after the loop reaches the exit's value in the iteration that left, and nothing else.
    /// </summary>
    private static List<Carried> Differentiated(LoopInstr loop) => loop.Carried.Where(c => c.Differentiated).ToList();

    // A reduction with a constant trip count up to this tapes its math calls: at most 32 KB of tape.
    private const int MaxTapedConstantTrips = 4096;

    /// <summary>
    /// Nested reductions at the top level of a recorded loop's body (a dot product inside a loop over
    /// hidden units, say) keep their results on the tape, so the reverse sweep need not run them again just
    /// to know their values; they are reversed by one replay (<see cref="ReverseReplay"/>).
    /// </summary>
    private void TapeNestedReductions(LoopInstr loop)
    {
        foreach (var instr in loop.Body.Instructions)
            if (instr is LoopInstr nested && nested.AfterSlots is null && IsReplayableReduction(nested) && ReadsTheSameArraysWhenReplayed(nested, loop))
                nested.AfterSlots = nested.Carried.Select(c => new TapeSlot(c.After.Type)).ToList();
    }

    /// <summary>
    /// A replay runs in the enclosing loop's reverse, after that loop's later iterations: the arrays it reads must
    /// hold what they held in its own iteration, either never written from the enclosing loop on, or refilled by
    /// the recomputation of the iteration (scratch arrays). The replay copies the original loop, so the
    /// recomputation's marks of unstable reads do not reach it: this is checked here instead.
    /// </summary>
    private bool ReadsTheSameArraysWhenReplayed(LoopInstr nested, LoopInstr enclosing)
        => !ArrayOrder.ArraysRead(nested.Body).Any(a => _arrayOrder.WrittenBeforeReversed(a, enclosing) && !_scratch.IsRefilledWithin(a, enclosing));

    /// <summary>
    /// Math calls at the top level of a recorded loop's body keep their results on the tape, so the reverse
    /// sweep does not call them again when it recomputes the iteration (the emitter pushes only those it pops).
    /// </summary>
    private static void TapeMathCalls(LoopInstr loop)
    {
        foreach (var instr in loop.Body.Instructions)
            if (instr is Op { Kind: OpKind.Call, Pure: true, ResultSlot: null } call && call.Result.Type == typeof(double))
                call.ResultSlot = new TapeSlot(typeof(double));
    }

    /// <summary>The shape <see cref="TryFuseReduction"/> needs, whatever the adjoints arriving after the loop.</summary>
    private bool IsReplayableReduction(LoopInstr loop)
    {
        if (!ArraysAllowFusion(loop)) return false;
        var active = loop.Carried.Where(c => c.Head.Active).ToList();
        return active.Count > 0 && HasReductionShape(loop, active);
    }

    /// <summary>
    /// Exits pass the active heads out unchanged, and each active carried value only has terms added to it; no
    /// loop runs before an exit in the body. A fused inner loop reverses itself as it runs, with adjoints that
    /// assume the rest of the iteration happens, and a recorded one pushes what the reverse at the end of the
    /// iteration pops: an iteration that leaves after either would keep wrong gradient terms or unpopped values.
    /// </summary>
    private static bool HasReductionShape(LoopInstr loop, List<Carried> active)
    {
        // A value active only once it leaves (see Differentiated) has its adjoint go to an exit's value, not the head.
        if (loop.Carried.Any(c => c.ActiveOnlyAfter)) return false;
        var lastExit = loop.Body.Instructions.FindLastIndex(instr => instr is ExitInstr);
        if (loop.Body.Instructions.Take(lastExit).Any(instr => Blocks.WithNested(instr).Any(inner => inner is LoopInstr))) return false;
        foreach (var exit in loop.Exits)
            for (var j = 0; j < loop.Carried.Count; j++)
                if (loop.Carried[j].Head.Active && exit.Values[j] != loop.Carried[j].Head) return false;
        var headUses = new Dictionary<Value, int>();
        CountHeadUses(loop.Body, active.Select(c => c.Head).ToHashSet(), headUses);
        return active.All(c => headUses.GetValueOrDefault(c.Head) == 1 && OnlyAccumulates(loop, c));
    }

    /// <summary>
    /// The reverse of a nested reduction whose results were popped: with the adjoints of its results now
    /// known, every iteration's reverse is independent of the others, so one copy of the loop runs forward,
    /// each iteration recomputing its values and reversing them at once (as a fused reduction does).
    /// </summary>
    private void ReverseReplay(ReplayInstr replay)
    {
        var original = replay.Original;
        var active = original.Carried.Where(c => c.Head.Active).ToList();
        var seeds = active.Select(c => TakeAdjoint(replay.Map(c.After))).ToList();
        if (seeds.All(s => s is null)) return;
        var outer = _builder.Current;
        var copy = CopyWithMap(original, outer, replay.Map);
        outer.Instructions.Add(copy);
        var fused = FuseReverseInto(copy, seeds);
        // Nothing to do per iteration (s = s - 1): the adjoints pass straight through, and the copy need not run.
        if (fused.Instructions.Count == 0) outer.Instructions.Remove(copy);
    }

    /// <summary>
    /// Builds the reverse of one iteration of a reduction, given the (per-iteration constant) adjoints of its
    /// active carried values, as the loop's <see cref="LoopInstr.FusedReverse"/>; sends those adjoints to the inits.
    /// </summary>
    private Block FuseReverseInto(LoopInstr loop, List<Value?> seeds)
    {
        var active = loop.Carried.Where(c => c.Head.Active).ToList();
        var outer = _builder.Current;
        var fused = new Block(loop.Body);
        _reverseOf[loop.Body] = fused;
        _builder.Current = fused;
        for (var j = 0; j < active.Count; j++)
            if (seeds[j] is { } seed) AddTerm(active[j].Next, seed);
        Reverse(loop.Body);
        loop.FusedReverse = fused;
        _builder.Current = outer;
        for (var j = 0; j < active.Count; j++)
            if (seeds[j] is { } seed) AddTerm(active[j].Init, seed);
        return fused;
    }

    /// <summary>A copy of <paramref name="loop"/> whose outside values are translated by <paramref name="map"/> (the recomputed iteration's).</summary>
    private LoopInstr CopyWithMap(LoopInstr loop, Block parent, Func<Value, Value> map)
    {
        var outside = new Dictionary<Value, Value>();
        var cloner = new IrCloner(_builder, outside, array => false, refilled: RefilledWithin(loop));
        foreach (var value in ValuesFromOutside(loop)) outside[value] = map(value);
        return cloner.CopyLoop(loop, parent);
    }

    /// <summary>Values used inside the loop (its inits included); the copy maps those it defines itself.</summary>
    private static HashSet<Value> ValuesFromOutside(LoopInstr loop)
    {
        var used = loop.Carried.Select(c => c.Init).ToHashSet();
        foreach (var instr in Blocks.AllInstructions(loop.Body)) used.UnionWith(InstrUses.UsedBy(instr));
        return used;
    }

    /// <summary>
    /// A reduction (every active carried value only ever does <c>v = v + term</c> or <c>v = v - term</c>,
    /// and the adjoints arriving after the loop are constants, typically the 1 of a loss) passes the same
    /// adjoint to every iteration, so the iterations' reverses are independent of each other: they run
    /// inside the forward loop, right after each iteration's forward code, sharing its values. No
    /// second loop, no recomputation, no tape; the gradient terms are just added in forward order.
    /// </summary>
    private bool TryFuseReduction(LoopInstr loop, List<Carried> active, List<Value?> seeds)
    {
        if (seeds.Any(s => s is { IsConstant: false }) || !HasReductionShape(loop, active)) return false;

        FuseReverseInto(loop, seeds);
        return true;
    }

    /// <summary>
    /// The carried value only ever has terms added to it in an iteration: <c>v = v + t</c>, <c>v = v - t</c>,
    /// or it is handed to an inner loop that only accumulates into it (<c>for i: for j: s += ...</c>), so its
    /// adjoint is the same in every iteration. The caller has checked that the head is used exactly once.
    /// </summary>
    private static bool OnlyAccumulates(LoopInstr loop, Carried carried)
    {
        // The updated value must not feed anything else in the iteration (a2 += tanh(a0) after a0 -= 1):
        // then the adjoint of the carried value would differ from one iteration to the next.
        var nextUses = new Dictionary<Value, int>();
        CountHeadUses(loop.Body, [carried.Next], nextUses);
        if (nextUses.GetValueOrDefault(carried.Next) > 0) return false;
        if (carried.Next.Definition is { Kind: OpKind.Binary } op && op.Result.Block == loop.Body)
            return op.NodeType == System.Linq.Expressions.ExpressionType.Add && op.Args.Contains(carried.Head)
                   || op.NodeType == System.Linq.Expressions.ExpressionType.Subtract && op.Args[0] == carried.Head && op.Args[1] != carried.Head;
        foreach (var inner in loop.Body.Instructions.OfType<LoopInstr>())
        {
            var k = inner.Carried.FindIndex(c => c.After == carried.Next);
            if (k < 0) continue;
            var innerCarried = inner.Carried[k];
            if (innerCarried.Init != carried.Head || inner.Exits.Any(e => e.Values[k] != innerCarried.Head)) return false;
            var innerUses = new Dictionary<Value, int>();
            CountHeadUses(inner.Body, [innerCarried.Head], innerUses);
            return innerUses.GetValueOrDefault(innerCarried.Head) == 1 && OnlyAccumulates(inner, innerCarried);
        }
        return false;
    }

    /// <summary>Uses of the loop's heads by instructions of its body, nested blocks included; its own exits excluded (they only pass heads out).</summary>
    private static void CountHeadUses(Block block, HashSet<Value> heads, Dictionary<Value, int> uses)
    {
        foreach (var instr in block.Instructions)
        {
            if (instr is not ExitInstr)
                foreach (var value in InstrUses.UsedBy(instr))
                    if (heads.Contains(value)) uses[value] = uses.GetValueOrDefault(value) + 1;
            switch (instr)
            {
                case IfInstr branch:
                    CountHeadUses(branch.WhenTrue, heads, uses);
                    CountHeadUses(branch.WhenFalse, heads, uses);
                    break;
                case LoopInstr inner:
                    CountHeadUses(inner.Body, heads, uses);
                    foreach (var exit in inner.Exits)
                        foreach (var value in InstrUses.UsedBy(exit))
                            if (heads.Contains(value)) uses[value] = uses.GetValueOrDefault(value) + 1;
                    break;
            }
        }
    }

    /// <summary>One reversed iteration: restore heads, recompute body[0, upTo), seed, reverse, hand the head adjoints on.</summary>
    private Block ReverseIteration(LoopInstr loop, Block forwardBlock, Block outer, MutableVariable iteration,
        List<MutableVariable> carriedAdjoints, int upTo, Value[] seedTargets, HashSet<Op> staleLoads)
    {
        // Sees the reverse code before it and the forward values outside the loop, never the loop's own
        // (overwritten) forward values: those are recomputed here.
        var body = new Block(outer, forwardBlock);
        _reverseOf[body] = body;
        _builder.Current = body;

        var index = _builder.ReadVariable(iteration);
        var heads = new Dictionary<Value, Value>();
        // Snapshots were pushed last, at the end of a full iteration (a counted loop's partial one ends before any work).
        var full = upTo == loop.Body.Instructions.Count;
        var snapshots = loop.Snapshots.Select(s => s.Array).ToHashSet();
        if (full)
            for (var j = loop.Snapshots.Count - 1; j >= 0; j--)
                body.Instructions.Add(new RestoreArrayInstr(loop.Snapshots[j].Array, loop.Snapshots[j].Length));
        // Results of nested reductions and math calls were pushed after they were computed, later than the heads:
        // they come off first, the iteration's last first; an iteration that left early pushed only those before its exit.
        var replayed = new HashSet<LoopInstr>();
        for (var i = upTo - 1; i >= 0; i--)
        {
            if (loop.Body.Instructions[i] is Op { ResultSlot: { } resultSlot } call)
                heads[call.Result] = _builder.TapePop(resultSlot, call.Result.Active);
            if (loop.Body.Instructions[i] is not LoopInstr { AfterSlots: { } slots } nested) continue;
            replayed.Add(nested);
            for (var j = slots.Count - 1; j >= 0; j--)
                heads[nested.Carried[j].After] = _builder.TapePop(slots[j], nested.Carried[j].After.Active);
        }
        // Pops come in the reverse order of the pushes at the top of each forward iteration: the heads, then the entry snapshots.
        var entry = loop.EntrySnapshots.Select(s => s.Array).ToHashSet();
        for (var j = loop.EntrySnapshots.Count - 1; j >= 0; j--)
            body.Instructions.Add(new RestoreArrayInstr(loop.EntrySnapshots[j].Array, loop.EntrySnapshots[j].Length, atEntry: true));
        for (var j = loop.Carried.Count - 1; j >= 0; j--)
        {
            var carried = loop.Carried[j];
            heads[carried.Head] = carried.InductionStep is { } step
                ? _builder.Add(carried.Init, _builder.Multiply(index, _builder.Constant(step, typeof(int))))
                : _builder.TapePop(carried.Slot!, carried.Head.Active);
        }

        // A restored array holds the iteration's final state: stores are ghosts, and only the reads of accumulations saw another.
        // An array restored at entry holds the state the iteration started from: it runs again, stores and all.
        // A sweep replayed from the start state leaves its array as restored, through its own reverse too (StartStateReplays).
        var plan = PlanStartStateReplays(loop, full);
        var startState = _startStateArrays.GetValueOrDefault(loop);
        var cloner = new IrCloner(_builder, heads,
            array => startState?.Contains(array) != true && !snapshots.Contains(array) && !entry.Contains(array) && _arrayOrder.WrittenBeforeReversed(array, loop),
            replayed, array => entry.Contains(array) || !snapshots.Contains(array) && _scratch.IsRefilledWithin(array, loop),
            op => staleLoads.Contains(op) || plan.StaleLoads.Contains(op), store => plan.Ghost(store) || _startStateGhosts.Contains(store));
        var start = body.Instructions.Count;
        cloner.CloneInstructions(loop.Body, upTo, body);
        var end = body.Instructions.Count;
        RegisterStartStateCopies(plan, body, start, end);
        var readBacks = full ? ReadBackStoredValues(loop, forwardBlock, cloner) : [];

        var active = Differentiated(loop);
        for (var j = 0; j < active.Count; j++)
        {
            var target = cloner.Map(seedTargets[loop.Carried.IndexOf(active[j])]);
            if (target.Active) AddTerm(target, _builder.ReadVariable(carriedAdjoints[j]));
        }
        _restoredIterations.Push((body, full ? snapshots : []));
        Reverse(body, start, end);
        _restoredIterations.Pop();
        foreach (var value in readBacks) _readBacks.Remove(value);
        for (var j = 0; j < active.Count; j++)
            body.Instructions.Add(new AssignVariableInstr(carriedAdjoints[j], TakeAdjoint(heads[active[j].Head]) ?? _builder.Double(0)));
        return body;
    }
}
