using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Finds scratch arrays: local arrays whose every element read comes after a fill of the whole array in the
/// same iteration of some loop (its owner), like a hidden layer refilled for every data row. What such an
/// array held before the fill never matters, so a loop containing an owner can be recomputed by really
/// refilling the array (instead of reading the overwritten elements back, which is refused), and a reduction
/// over those iterations can still be fused: nothing one iteration stores is read by another.
/// </summary>
/// <remarks>
/// A fill is the first thing in the owner's body that touches the array, and either clears it or is a
/// counted loop <c>for (j = 0; j &lt; length; j++) { ... a[j] = v; ... }</c> with no other exit, that stores
/// <c>a[j]</c> unconditionally at the top level of its body and reads the array only as <c>a[j]</c> after that store;
/// <c>length</c> is the value the array was created with. The analysis is structural, on the forward code,
/// before the reverse sweep; copies of loops map back to their originals through <see cref="LoopInstr.Origin"/>.
/// </remarks>
internal sealed class ScratchArrays
{
    private readonly Dictionary<Value, Value> _lengths = [];
    private readonly HashSet<Value> _notScratch = [];
    private readonly Dictionary<Value, List<LoadSite>> _loads = [];
    private readonly Dictionary<LoopInstr, (LoopInstr Parent, int Index)> _parents = new(ReferenceEqualityComparer.Instance);

    private readonly Dictionary<(LoopInstr, Value), int?> _fills = [];
    private readonly Dictionary<(LoopInstr, Value), bool> _refilledWithin = [];

    /// <summary>A read of an array: the loops around it (each with the index of the top-level instruction of its body that holds the read), and the loop whose fill covers it.</summary>
    private sealed record LoadSite((LoopInstr Loop, int Index)[] Path, LoopInstr Owner);

    /// <param name="root">The forward code.</param>
    /// <param name="escaping">An array the caller reads after the function returns (a vector function's result): never scratch.</param>
    public static ScratchArrays Of(Block root, Value? escaping = null)
    {
        var arrays = new ScratchArrays();
        foreach (var instr in Blocks.AllInstructions(root))
            if (instr is Op { Kind: OpKind.NewArray } created)
                arrays._lengths[created.Result] = created.Args[0];
        if (escaping is not null) arrays._notScratch.Add(escaping);
        arrays.CheckLoads(root, [], null);
        return arrays;
    }

    /// <summary>
    /// True when recomputing an iteration of <paramref name="loop"/> may really store into <paramref name="array"/>,
    /// and a fused reverse of that iteration may reverse its stores: the array is scratch, refilled by the loop or a
    /// loop in it, and every read of it either (a) is in the loop, covered by a fill in the loop, so it reads this
    /// iteration's values, or (b) is covered by a fill of a loop around this one and comes before this loop in that
    /// loop's iteration, or (c) is in unrelated code with its own fill. A read after the loop that sees what the
    /// loop's last iteration stored (covered only by an outer fill) rules it out: the loop's stores then outlive it.
    /// </summary>
    public bool IsRefilledWithin(Value array, LoopInstr loop)
    {
        if (!_lengths.ContainsKey(array) || _notScratch.Contains(array)) return false;
        var origin = loop.Origin;
        var key = (origin, array);
        if (!_refilledWithin.TryGetValue(key, out var refilled))
        {
            refilled = (FillIndex(origin, array) is not null
                        || Blocks.AllInstructions(origin.Body).OfType<LoopInstr>().Any(inner => FillIndex(inner, array) is not null))
                       && _loads.GetValueOrDefault(array, []).All(site => ReadsOnlyItsOwnIteration(site, origin));
            _refilledWithin[key] = refilled;
        }
        return refilled;
    }

    private bool ReadsOnlyItsOwnIteration(LoadSite site, LoopInstr loop)
    {
        var inside = Array.FindIndex(site.Path, level => level.Loop == loop);
        if (inside >= 0) return Array.FindIndex(site.Path, level => level.Loop == site.Owner) >= inside;
        // The owner is around the loop: the read must come before the loop in the owner's iteration.
        for (var ancestor = loop; _parents.TryGetValue(ancestor, out var parent); ancestor = parent.Parent)
            if (parent.Parent == site.Owner)
                return Array.Find(site.Path, level => level.Loop == site.Owner).Index < parent.Index;
        return true;
    }

    /// <summary>True when <paramref name="loop"/> itself fills the scratch array at the start of its iterations, and may refill it (<see cref="IsRefilledWithin"/>).</summary>
    public bool IsFilledBy(Value array, LoopInstr loop) => IsRefilledWithin(array, loop) && FillIndex(loop.Origin, array) is not null;

    /// <summary>The length the local array was created with.</summary>
    public Value LengthOf(Value array) => _lengths[array];

    /// <summary>Checks every element read against the fills of the loops around it; an array with a read no fill covers is not scratch.</summary>
    /// <param name="block">The code walked.</param>
    /// <param name="path">The loops around <paramref name="block"/>, each with the index of the top-level instruction of its body being walked.</param>
    /// <param name="bodyOf">The loop whose body <paramref name="block"/> is (null for the root and the branches of an if).</param>
    private void CheckLoads(Block block, List<(LoopInstr Loop, int Index)> path, LoopInstr? bodyOf)
    {
        StackGuard.Check();
        for (var i = 0; i < block.Instructions.Count; i++)
        {
            if (bodyOf is not null) path[^1] = (bodyOf, i);
            switch (block.Instructions[i])
            {
                case Op { Kind: OpKind.LoadElement } load when _lengths.ContainsKey(load.Args[0]):
                    if (Owner(load, path) is { } owner)
                    {
                        if (!_loads.TryGetValue(load.Args[0], out var sites)) _loads[load.Args[0]] = sites = [];
                        sites.Add(new LoadSite([.. path], owner));
                    }
                    else _notScratch.Add(load.Args[0]);
                    break;
                case IfInstr branch:
                    CheckLoads(branch.WhenTrue, path, null);
                    CheckLoads(branch.WhenFalse, path, null);
                    break;
                case LoopInstr loop:
                    if (path.Count > 0) _parents[loop] = path[^1];
                    path.Add((loop, 0));
                    CheckLoads(loop.Body, path, loop);
                    path.RemoveAt(path.Count - 1);
                    break;
            }
        }
    }

    /// <summary>The innermost loop around the load that filled its array earlier in the same iteration (or whose fill the load reads back from); null if none.</summary>
    private LoopInstr? Owner(Op load, List<(LoopInstr Loop, int Index)> path)
    {
        var array = load.Args[0];
        for (var level = path.Count - 1; level >= 0; level--)
        {
            var (owner, index) = path[level];
            if (FillIndex(owner, array) is not { } fill || index < fill) continue;
            if (index > fill) return owner;
            // Inside the fill: only a[j] read straight back after the store a[j] = v of the same iteration.
            return level == path.Count - 2 && owner.Body.Instructions[fill] is LoopInstr filler
                   && ReadsBackAfterStore(filler, array, load, path[^1].Index) ? owner : null;
        }
        return null;
    }

    /// <summary>The index in <paramref name="owner"/>'s body of the fill of <paramref name="array"/>, or null when the first instruction touching the array is not a fill.</summary>
    private int? FillIndex(LoopInstr owner, Value array)
    {
        var key = (owner, array);
        if (_fills.TryGetValue(key, out var cached)) return cached;
        int? fill = null;
        var body = owner.Body.Instructions;
        for (var i = 0; i < body.Count; i++)
        {
            if (!Touches(body[i], array)) continue;
            if (body[i] is ClearArrayInstr { Ghost: false } || body[i] is LoopInstr filler && FillsEveryElement(filler, array)) fill = i;
            break;
        }
        _fills[key] = fill;
        return fill;
    }

    private static bool Touches(Instr instr, Value array) => InstrUses.AccessesArray(instr, array);

    /// <summary><c>for (j = 0; j &lt; length; j++)</c> storing <c>a[j]</c> in every iteration, touching the array nowhere else but <c>a[j]</c> read back after the store.</summary>
    private bool FillsEveryElement(LoopInstr filler, Value array)
    {
        if (Counter(filler, array) is not { } counter || StoreIndex(filler, array, counter) is not { } store) return false;
        var body = filler.Body.Instructions;
        for (var i = 0; i < body.Count; i++)
        {
            if (i == store || !Touches(body[i], array)) continue;
            if (!(body[i] is Op { Kind: OpKind.LoadElement } load && i > store && load.Args[1] == counter)) return false;
        }
        return true;
    }

    private bool ReadsBackAfterStore(LoopInstr filler, Value array, Op load, int loadIndex)
        => Counter(filler, array) is { } counter && StoreIndex(filler, array, counter) is { } store
           && loadIndex > store && load.Args[1] == counter;

    /// <summary>The head of the counter going 0, 1, ..., length - 1 (the loop's only exit, before any work, ends it there).</summary>
    private Value? Counter(LoopInstr loop, Value array)
        => CountedLoops.Bounds(loop) is var (counter, start, end) && start.ConstantValue is 0 && SameInt(end, _lengths[array]) ? counter.Head : null;

    /// <summary>The index of the unconditional store <c>a[counter] = v</c> at the top level of the body; null if there is none or more than one.</summary>
    private static int? StoreIndex(LoopInstr loop, Value array, Value counter)
    {
        int? found = null;
        var body = loop.Body.Instructions;
        for (var i = 0; i < body.Count; i++)
        {
            if (body[i] is not StoreElementInstr { Ghost: false } store || store.Array != array) continue;
            if (found is not null || store.Index != counter) return null;
            found = i;
        }
        return found;
    }

    private static bool SameInt(Value a, Value b) => a == b || a.ConstantValue is int x && b.ConstantValue is int y && x == y;
}
