using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Where, in forward program order, local arrays are written, and where each loop starts. A loop's
/// reverse sweep recomputes its iterations, so a read of an array element inside it gives the value the
/// forward sweep saw only if nothing writes that array inside the loop or after it.
/// </summary>
internal sealed class ArrayOrder
{
    private readonly Dictionary<Value, int> _lastWrite = [];
    private readonly Dictionary<LoopInstr, int> _loopStart = new(ReferenceEqualityComparer.Instance);
    private int _position;

    public static ArrayOrder Of(Block root)
    {
        var order = new ArrayOrder();
        order.Walk(root);
        return order;
    }

    /// <summary>True when <paramref name="array"/> may be written at or after the start of <paramref name="loop"/> (unknown loops: false; recomputed copies carry their own flags).</summary>
    public bool WrittenInOrAfter(Value array, LoopInstr loop)
        => _loopStart.TryGetValue(loop, out var start) && _lastWrite.TryGetValue(array, out var last) && last >= start;

    /// <summary>Whether the block (nested blocks included) writes a local array.</summary>
    public static bool Writes(Block block) => Any(block, instr => instr is StoreElementInstr or ClearArrayInstr);

    /// <summary>The arrays the block (nested blocks included) reads elements of.</summary>
    public static HashSet<Value> ArraysRead(Block block)
    {
        var arrays = new HashSet<Value>();
        Any(block, instr =>
        {
            if (instr is Op { Kind: OpKind.LoadElement } load) arrays.Add(load.Args[0]);
            return false;
        });
        return arrays;
    }

    private static bool Any(Block block, Func<Instr, bool> predicate)
    {
        foreach (var instr in block.Instructions)
        {
            if (predicate(instr)) return true;
            var nested = instr switch
            {
                IfInstr branch => Any(branch.WhenTrue, predicate) || Any(branch.WhenFalse, predicate),
                LoopInstr loop => Any(loop.Body, predicate),
                _ => false,
            };
            if (nested) return true;
        }
        return false;
    }

    private void Walk(Block block)
    {
        Diagnostics.StackGuard.Check();
        foreach (var instr in block.Instructions)
        {
            _position++;
            switch (instr)
            {
                case StoreElementInstr store:
                    _lastWrite[store.Array] = _position;
                    break;
                case ClearArrayInstr clear:
                    _lastWrite[clear.Array] = _position;
                    break;
                case IfInstr branch:
                    Walk(branch.WhenTrue);
                    Walk(branch.WhenFalse);
                    break;
                case LoopInstr loop:
                    _loopStart[loop] = _position;
                    Walk(loop.Body);
                    break;
            }
        }
    }
}
