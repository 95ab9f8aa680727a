using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Snapshots of scratch arrays. A recorded loop nested in another loop (GMM's loop over components, which fills
/// y = x - mu and z = Q y per component) would refill its scratch arrays in the reverse of each iteration by
/// recomputing the fill and every update after it. When the iteration's reads only need the arrays' final state,
/// the forward loop pushes the arrays whole at the end of each iteration and the reverse pops them back: d pushes
/// and pops instead of the O(d^2) recomputation, the trade the hand-written gradient makes by keeping y and z.
/// </summary>
internal sealed partial class ReverseSweep
{
    /// <summary>
    /// The scratch arrays <paramref name="loop"/> fills whose reads in an iteration all see the iteration's final
    /// state, or only feed an accumulation <c>a[i] = a[i] + t</c> (whose reverse does not need the value read).
    /// Only for counted loops nested in another loop (the tape then holds one outer iteration's snapshots), and
    /// the loads that saw an earlier state are returned, to be marked unstable in the recomputation.
    /// </summary>
    private (List<Value> Arrays, HashSet<Op> StaleLoads) ChooseSnapshots(LoopInstr loop, Block forwardBlock)
    {
        var none = (new List<Value>(), new HashSet<Op>());
        if (forwardBlock == _builder.Root || CountedLoops.Bounds(loop) is null) return none;
        var candidates = ArrayOrder.ArraysWritten(loop.Body).Where(a => _scratch.IsFilledBy(a, loop)).ToList();
        if (candidates.Count == 0) return none;

        var uses = UsesIn(loop.Body);
        var arrays = new List<Value>();
        var stale = new HashSet<Op>();
        foreach (var array in candidates)
        {
            var accumulations = new List<Op>();
            if (!ReadsSeeTheFinalState(loop.Body, array, uses, accumulations)) continue;
            arrays.Add(array);
            stale.UnionWith(accumulations);
        }
        return (arrays, stale);
    }

    /// <summary>Every read of the array in the body comes after its last store there (and in no loop that stores it), or is the read of an accumulation.</summary>
    private static bool ReadsSeeTheFinalState(Block body, Value array, Dictionary<Value, List<Instr>> uses, List<Op> accumulations)
    {
        var position = 0;
        var lastStore = -1;
        var reads = new List<(Op Load, int Position, bool InStoringLoop)>();
        void Walk(Block block, bool inStoringLoop)
        {
            foreach (var instr in block.Instructions)
            {
                position++;
                switch (instr)
                {
                    case StoreElementInstr store when store.Array == array:
                        lastStore = position;
                        break;
                    case ClearArrayInstr clear when clear.Array == array:
                        lastStore = position;
                        break;
                    case Op { Kind: OpKind.LoadElement } load when load.Args[0] == array:
                        reads.Add((load, position, inStoringLoop));
                        break;
                    case IfInstr branch:
                        Walk(branch.WhenTrue, inStoringLoop);
                        Walk(branch.WhenFalse, inStoringLoop);
                        break;
                    case LoopInstr inner:
                        Walk(inner.Body, inStoringLoop || ArrayOrder.ArraysWritten(inner.Body).Contains(array));
                        break;
                }
            }
        }
        Walk(body, false);
        foreach (var (load, at, inStoringLoop) in reads)
        {
            if (IsAccumulation(load, uses)) accumulations.Add(load);
            else if (inStoringLoop || at < lastStore) return false;
        }
        return true;
    }

    /// <summary><c>a[i] = a[i] + t</c> (or <c>a[i] - t</c>): the read feeds only the sum, and the sum only the store back into a[i].</summary>
    private static bool IsAccumulation(Op load, Dictionary<Value, List<Instr>> uses)
    {
        if (uses.GetValueOrDefault(load.Result) is not [Op { Kind: OpKind.Binary } sum]) return false;
        var accumulates = sum.NodeType == ExpressionType.Add && sum.Args.Contains(load.Result)
                          || sum.NodeType == ExpressionType.Subtract && sum.Args[0] == load.Result && sum.Args[1] != load.Result;
        return accumulates && uses.GetValueOrDefault(sum.Result) is [StoreElementInstr store]
               && store.Array == load.Args[0] && store.Index == load.Args[1] && store.Value == sum.Result;
    }
}
