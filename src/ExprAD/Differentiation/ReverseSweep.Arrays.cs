using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Reverse mode of local arrays. Each active array gets an adjoint array of the same length, created
/// (zeroed) right after it, so code anywhere after it, fused loops included, can add into it.
/// A load <c>y = a[i]</c> reverses to <c>abar[i] += ybar</c>; a store <c>a[i] = v</c> overwrote the
/// element, so it reverses to <c>vbar += abar[i]; abar[i] = 0</c>; a clear reverses to clearing abar.
/// </summary>
internal sealed partial class ReverseSweep
{
    private readonly Dictionary<Value, Value> _adjointArrays = [];
    private ArrayOrder _arrayOrder = null!;
    private ScratchArrays _scratch = null!;

    private void CreateAdjointArrays(Block block)
    {
        Diagnostics.StackGuard.Check();
        for (var i = 0; i < block.Instructions.Count; i++)
        {
            switch (block.Instructions[i])
            {
                case Op { Kind: OpKind.NewArray, Result.Active: true } array:
                    var saved = _builder.Current;
                    _builder.Current = block;
                    var adjoint = _builder.NewArray(array.Args[0], active: false, $"{array.ConstantValue}Adjoint");
                    _builder.Current = saved;
                    block.Instructions.RemoveAt(block.Instructions.Count - 1);
                    block.Instructions.Insert(++i, adjoint.Definition!);
                    _adjointArrays[array.Result] = adjoint;
                    break;
                case IfInstr branch:
                    CreateAdjointArrays(branch.WhenTrue);
                    CreateAdjointArrays(branch.WhenFalse);
                    break;
                case LoopInstr loop:
                    CreateAdjointArrays(loop.Body);
                    break;
            }
        }
    }

    private void ReverseLoad(Op load)
    {
        if (TakeAdjoint(load.Result) is { } adjoint)
            _builder.Current.Instructions.Add(new AccumulateElementInstr(_adjointArrays[load.Args[0]], load.Args[1], adjoint));
    }

    private void ReverseStore(StoreElementInstr store)
    {
        if (!_adjointArrays.TryGetValue(store.Array, out var adjointArray)) return;
        var adjoint = _builder.LoadElement(adjointArray, store.Index);
        _builder.Current.Instructions.Add(new StoreElementInstr(adjointArray, store.Index, _builder.Double(0)));
        AddTerm(store.Value, adjoint);
    }

    private void ReverseClear(ClearArrayInstr clear)
    {
        if (_adjointArrays.TryGetValue(clear.Array, out var adjointArray))
            _builder.Current.Instructions.Add(new ClearArrayInstr(adjointArray));
    }

    /// <summary>A loop that writes arrays must be reversed even when no carried value needs an adjoint.</summary>
    private static bool WritesArrays(LoopInstr loop) => ArrayOrder.Writes(loop.Body);

    /// <summary>
    /// A fused reverse runs during the forward sweep, so it cannot reverse writes (later reads come first
    /// in reverse), and it can only add into an array's adjoint if nothing overwrites the array later.
    /// Scratch arrays refilled within the loop are the exception: what an iteration stores only that
    /// iteration reads, so its reverse, right after it, has every read's adjoint.
    /// </summary>
    private bool ArraysAllowFusion(LoopInstr loop)
        => ArrayOrder.ArraysWritten(loop.Body).All(a => _scratch.IsRefilledWithin(a, loop))
           && !ArrayOrder.ArraysRead(loop.Body).Any(a => _arrayOrder.WrittenInOrAfter(a, loop) && !_scratch.IsRefilledWithin(a, loop));

    /// <summary>Recomputing an iteration of <paramref name="loop"/> writes these arrays again (see <see cref="ScratchArrays"/>).</summary>
    private Func<Value, bool> RefilledWithin(LoopInstr loop) => array => _scratch.IsRefilledWithin(array, loop);
}
