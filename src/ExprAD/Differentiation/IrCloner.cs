using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Copies forward code into a reverse-sweep block so that a loop iteration's values, overwritten by
/// later iterations, can be recomputed from the iteration's restored heads. Ops are re-emitted
/// through the builder (sharing with equal values already visible); ifs and nested loops are copied
/// with fresh blocks and values.
/// </summary>
/// <param name="builder">Where the copies are emitted.</param>
/// <param name="map">Values of the source replaced in the copy (a loop's heads by their restored values); filled as it copies.</param>
/// <param name="overwrittenLater">Arrays whose elements may have changed since the forward sweep read them: recomputed reads of them are marked unstable.</param>
/// <param name="replayed">Nested reductions not recomputed: their results are already in <paramref name="map"/> (popped), and a <see cref="ReplayInstr"/> marks their place.</param>
/// <param name="refilled">Scratch arrays the copied code fills before it reads them (<see cref="ScratchArrays"/>): their stores are really done again, and their reads are not unstable.</param>
/// <param name="staleLoad">Reads whose copies are unstable whatever the array (reads of a restored snapshot that saw an earlier state).</param>
/// <param name="ghostStore">Stores copied as ghosts whatever the array (those of start-state replays, <c>ReverseSweep.StartStateReplays</c>).</param>
internal sealed class IrCloner(IrBuilder builder, Dictionary<Value, Value> map, Func<Value, bool> overwrittenLater,
    IReadOnlySet<LoopInstr>? replayed = null, Func<Value, bool>? refilled = null, Func<Op, bool>? staleLoad = null,
    Func<StoreElementInstr, bool>? ghostStore = null)
{
    private bool Refilled(Value array) => refilled?.Invoke(array) == true;

    public Value Map(Value value) => map.TryGetValue(value, out var mapped) ? mapped : value;

    /// <summary>Copies instructions [0, count) of <paramref name="source"/> into <paramref name="target"/>, skipping exits.</summary>
    public void CloneInstructions(Block source, int count, Block target) => CloneRange(source, 0, count, target);

    private void CloneRange(Block source, int start, int end, Block target)
    {
        StackGuard.Check();
        var saved = builder.Current;
        builder.Current = target;
        for (var i = start; i < end; i++)
        {
            switch (source.Instructions[i])
            {
                case Op { ResultSlot: not null } taped when map.ContainsKey(taped.Result):
                    // Popped from the tape by the caller: not called again, but still differentiated.
                    target.Instructions.Add(new TapedCallInstr(taped, taped.Args.Select(Map).ToArray(), map[taped.Result]));
                    break;
                case Op op:
                    map[op.Result] = CloneOp(op);
                    break;
                case IfInstr branch:
                    target.Instructions.Add(CloneIf(branch, target));
                    break;
                case LoopInstr loop when replayed?.Contains(loop) == true:
                    target.Instructions.Add(new ReplayInstr(loop, Map));
                    break;
                case LoopInstr loop:
                    target.Instructions.Add(CloneLoop(loop, target));
                    break;
                case StoreElementInstr store:
                    // Already written by the forward sweep; the ghost copy only carries the store's reverse. A scratch
                    // array is written again: the forward sweep's later iterations have overwritten it.
                    target.Instructions.Add(new StoreElementInstr(Map(store.Array), Map(store.Index), Map(store.Value),
                        ghost: !Refilled(store.Array) || ghostStore?.Invoke(store) == true));
                    break;
                case ClearArrayInstr clear:
                    target.Instructions.Add(new ClearArrayInstr(Map(clear.Array), ghost: !Refilled(clear.Array)));
                    break;
                case ExitInstr:
                    break; // the caller knows which exits were (not) taken in the iteration it recomputes
                default:
                    throw new InvalidOperationException($"ExprAD internal error: cannot recompute {source.Instructions[i].GetType().Name}.");
            }
        }
        builder.Current = saved;
    }

    private Value CloneOp(Op op)
    {
        if (op.Kind is OpKind.Constant or OpKind.Input) return op.Result;
        if (op.Kind == OpKind.LoadElement)
            return builder.LoadElement(Map(op.Args[0]), Map(op.Args[1]), unstable: op.Unstable || staleLoad?.Invoke(op) == true || !Refilled(op.Args[0]) && overwrittenLater(op.Args[0]));
        if (op.Kind is OpKind.ReadVariable or OpKind.TapePop or OpKind.Leaf or OpKind.NewArray)
            throw new InvalidOperationException($"ExprAD internal error: cannot recompute a {op.Kind} op.");
        var token = op.Kind switch
        {
            OpKind.Convert => (object?)op.Type,
            OpKind.Call => op.Method,
            OpKind.Member => op.Member,
            _ => null,
        };
        // Copies are never shared with existing values: an equal value the forward code computes after the
        // loop has had its adjoint summed by the time the loop is reversed, and terms sent to it would be
        // lost (random loop programs found this). Sharing with earlier values would be sound but was not
        // needed for speed: the reduction loops that matter are fused and not recomputed.
        // A faulting op recomputed here already ran without throwing on the same operands in the forward sweep.
        return builder.Emit(op.Kind, op.Result.Type, op.Args.Select(Map).ToArray(), op.Result.Active, token, op.Pure || op.Faulting,
            op.NodeType, op.Method, op.Member, share: false);
    }

    private IfInstr CloneIf(IfInstr branch, Block parent)
    {
        var whenTrue = new Block(parent);
        var whenFalse = new Block(parent);
        CloneInstructions(branch.WhenTrue, branch.WhenTrue.Instructions.Count, whenTrue);
        CloneInstructions(branch.WhenFalse, branch.WhenFalse.Instructions.Count, whenFalse);
        var copy = new IfInstr(Map(branch.Condition), whenTrue, whenFalse);
        foreach (var join in branch.Joins)
        {
            var result = builder.NewValue(join.Result.Type, join.Result.Active, parent);
            map[join.Result] = result;
            copy.Joins.Add(new Join(result, Map(join.WhenTrue), Map(join.WhenFalse)));
        }
        return copy;
    }

    /// <summary>A copy of <paramref name="loop"/> in <paramref name="parent"/> (not added to it), for replaying a nested reduction.</summary>
    public LoopInstr CopyLoop(LoopInstr loop, Block parent)
    {
        var saved = builder.Current;
        builder.Current = parent;
        var copy = CloneLoop(loop, parent);
        builder.Current = saved;
        return copy;
    }

    private LoopInstr CloneLoop(LoopInstr loop, Block parent)
    {
        var body = new Block(parent);
        var copy = new LoopInstr(body) { Origin = loop.Origin };
        foreach (var carried in loop.Carried)
        {
            var head = builder.NewValue(carried.Head.Type, carried.Head.Active, body);
            map[carried.Head] = head;
            copy.Carried.Add(new Carried(carried.Name, Map(carried.Init), head) { InductionStep = carried.InductionStep });
        }
        for (var i = 0; i < loop.Body.Instructions.Count; i++)
        {
            if (loop.Body.Instructions[i] is ExitInstr exit)
                body.Instructions.Add(new ExitInstr(Map(exit.Condition), exit.Values.Select(Map).ToArray()));
            else
                CloneRange(loop.Body, i, i + 1, body);
        }
        for (var j = 0; j < loop.Carried.Count; j++)
        {
            copy.Carried[j].Next = Map(loop.Carried[j].Next);
            var after = builder.NewValue(loop.Carried[j].After.Type, loop.Carried[j].After.Active, parent);
            map[loop.Carried[j].After] = after;
            copy.Carried[j].After = after;
        }
        return copy;
    }
}
