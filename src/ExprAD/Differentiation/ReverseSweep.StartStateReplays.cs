using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// In-place sweeps over an array the enclosing loop snapshots at entry (a Gauss-Seidel time step:
/// <c>for (i = 1; i &lt; n - 1; i++) u[i] += c (u[i-1] - 2 u[i] + sin(u[i+1]))</c>). The reverse of a time step
/// restores u as the step found it (<see cref="LoopInstr.EntrySnapshots"/>) and recomputed the sweep with real
/// stores, only so that the sweep's own reverse could tape the reads it needs: here <c>u[i+1]</c>, which the sweep
/// has not written yet when it reads it, so its value is the restored one. When the sweep is the last code of the
/// step that touches the array, its recomputation leaves the array as restored instead: its stores to it become
/// ghosts (reversed, not done again), the reads that come before any store of the sweep to their element read
/// the restored array wherever the sweep is reversed, and nothing is taped. That is the hand-written gradient's
/// algorithm (one state copy per step, its reverse reading the copy), without a second run of every sweep.
/// </summary>
/// <remarks>
/// A read comes before every store to its element when, with the stores at <c>u[i + a]</c> for the counter i of step
/// s, it reads <c>u[i + b]</c> with b - a of the sign of s (an element ahead of the stores), or b = a read before the
/// stores in the body. Other reads (<c>u[i-1]</c>, already updated) are marked unstable: when no partial derivative
/// uses their value (u[i-1] enters the update linearly) they are dead code; when one does, the emitter refuses
/// them and the pipelines build the gradient again without start-state replays (<see cref="WithStartStateFallback{T}"/>).
/// </remarks>
internal sealed partial class ReverseSweep
{
    /// <summary>Whether this sweep plans start-state replays (off in the second build of <see cref="WithStartStateFallback{T}"/>).</summary>
    private bool _startStateReplays;

    /// <summary>Stores of the recomputed copies of replayed sweeps: ghosts wherever those copies are copied again (their own reverse).</summary>
    private readonly HashSet<StoreElementInstr> _startStateGhosts = new(ReferenceEqualityComparer.Instance);

    /// <summary>Recomputed sweeps and the arrays that hold their start state throughout their reverse.</summary>
    private readonly Dictionary<LoopInstr, HashSet<Value>> _startStateArrays = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// A plan for one reversed iteration: the sweeps (and their arrays) replayed from the start state, their stores to
    /// those arrays (copied as ghosts into this iteration only), and their reads that saw their own stores.
    /// </summary>
    private sealed record StartStatePlan(List<(LoopInstr Sweep, Value Array)> Sweeps, HashSet<StoreElementInstr> GhostStores, HashSet<Op> StaleLoads)
    {
        public static readonly StartStatePlan None = new([], [], []);

        public bool Ghost(StoreElementInstr store) => GhostStores.Contains(store);
    }

    /// <summary>
    /// Builds with start-state replays, and builds again without them when the emitter refuses a read a replay left
    /// unstable (a partial derivative needed the value of an element the sweep had already updated).
    /// </summary>
    /// <param name="build">Builds with start-state replays planned (true) or not.</param>
    /// <param name="startStateReplays">False: one build without them (tests compare the two).</param>
    public static T WithStartStateFallback<T>(Func<bool, T> build, bool startStateReplays = true)
    {
        if (!startStateReplays) return build(false);
        try
        {
            return build(true);
        }
        catch (UnstableReadException)
        {
            return build(false);
        }
    }

    /// <summary>
    /// For a full reversed iteration of <paramref name="loop"/>: each array it snapshots at entry whose last toucher in the
    /// body is a loop that qualifies (<see cref="TryClassify"/>).
    /// </summary>
    private StartStatePlan PlanStartStateReplays(LoopInstr loop, bool full)
    {
        if (!_startStateReplays || !full || loop.EntrySnapshots.Count == 0) return StartStatePlan.None;
        var plan = new StartStatePlan([], new(ReferenceEqualityComparer.Instance), []);
        var body = loop.Body.Instructions;
        foreach (var (array, _) in loop.EntrySnapshots)
        {
            var last = body.FindLastIndex(instr => Blocks.WithNested(instr).Any(inner => Touches(inner, array)));
            if (last < 0 || body[last] is not LoopInstr sweep || _scratch.IsRefilledWithin(array, sweep)) continue;
            if (!TryClassify(sweep, array, out var stores, out var stale)) continue;
            plan.Sweeps.Add((sweep, array));
            plan.StaleLoads.UnionWith(stale);
            plan.GhostStores.UnionWith(stores);
        }
        return plan;
    }

    /// <summary>
    /// After the iteration's body was copied: the copies of the planned sweeps (found by origin among the copied
    /// instructions) keep the start state in their reverse, and their stores to the array stay ghosts there.
    /// </summary>
    private void RegisterStartStateCopies(StartStatePlan plan, Block body, int start, int end)
    {
        foreach (var (sweep, array) in plan.Sweeps)
        {
            for (var i = start; i < end; i++)
            {
                if (body.Instructions[i] is not LoopInstr copy || copy.Origin != sweep.Origin) continue;
                if (!_startStateArrays.TryGetValue(copy, out var arrays)) _startStateArrays[copy] = arrays = [];
                arrays.Add(array);
                _startStateGhosts.UnionWith(copy.Body.Instructions.OfType<StoreElementInstr>().Where(s => s.Array == array));
            }
        }
    }

    /// <summary>
    /// The loop writes the array only by stores at the top level of its body, each at <c>counter + a</c> for one induction
    /// counter, no nested loop touches it, and at least one read comes before every store to its element. Returns the
    /// stores and the reads that do not (unstable in the replay).
    /// </summary>
    private static bool TryClassify(LoopInstr sweep, Value array, out List<StoreElementInstr> stores, out List<Op> stale)
    {
        stores = [];
        stale = [];
        var top = sweep.Body.Instructions;
        var storeSites = new List<(StoreElementInstr Store, int Position)>();
        var loadSites = new List<(Op Load, int Position)>();
        for (var p = 0; p < top.Count; p++)
        {
            if (top[p] is StoreElementInstr store && store.Array == array)
            {
                storeSites.Add((store, p));
                continue;
            }
            foreach (var inner in Blocks.WithNested(top[p]))
            {
                if (inner is Op { Kind: OpKind.LoadElement } load && load.Args[0] == array) loadSites.Add((load, p));
                else if (inner is LoopInstr nested && Blocks.AllInstructions(nested.Body).Any(i => Touches(i, array))) return false;
                else if (inner is StoreElementInstr or ClearArrayInstr && Touches(inner, array)) return false; // a store in a branch
            }
        }
        if (storeSites.Count == 0) return false;
        foreach (var counter in sweep.Carried.Where(c => c.InductionStep is not (null or 0)))
        {
            var offsets = storeSites.Select(s => CountedLoops.OffsetFrom(counter.Head, s.Store.Index)).ToList();
            if (offsets.Any(o => o is null)) continue;
            var step = Math.Sign(counter.InductionStep!.Value);
            var fresh = new List<Op>();
            var seen = new List<Op>();
            foreach (var (load, at) in loadSites)
            {
                var b = CountedLoops.OffsetFrom(counter.Head, load.Args[1]);
                var beforeEveryStore = b is { } offset && storeSites.Select((s, k) => (s.Position, A: offsets[k]!.Value))
                    .All(s => Math.Sign(offset - s.A) == step || offset == s.A && at < s.Position);
                (beforeEveryStore ? fresh : seen).Add(load);
            }
            if (fresh.Count == 0) return false;
            stores = storeSites.Select(s => s.Store).ToList();
            stale = seen;
            return true;
        }
        return false;
    }

    private static bool Touches(Instr instr, Value array) => instr switch
    {
        StoreElementInstr store => store.Array == array,
        ClearArrayInstr clear => clear.Array == array,
        Op { Kind: OpKind.LoadElement } load => load.Args[0] == array,
        LoopInstr loop => loop.Snapshots.Concat(loop.EntrySnapshots).Any(s => s.Array == array),
        _ => false,
    };
}
