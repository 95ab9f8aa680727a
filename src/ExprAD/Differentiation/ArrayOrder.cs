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

    /// <summary>
    /// True when <paramref name="array"/> may be written at or after the start of <paramref name="loop"/> (a copy
    /// answers as its original: code around a copy is a copy of the code around the original).
    /// </summary>
    public bool WrittenInOrAfter(Value array, LoopInstr loop)
        => _loopStart.TryGetValue(loop.Origin, out var start) && _lastWrite.TryGetValue(array, out var last) && last >= start;

    /// <summary>Whether the block (nested blocks included) writes a local array.</summary>
    public static bool Writes(Block block) => Blocks.AllInstructions(block).Any(instr => instr is StoreElementInstr or ClearArrayInstr);

    /// <summary>The arrays the block (nested blocks included) writes or clears.</summary>
    public static HashSet<Value> ArraysWritten(Block block)
        => Blocks.AllInstructions(block).Select(instr => instr switch
        {
            StoreElementInstr store => store.Array,
            ClearArrayInstr clear => clear.Array,
            _ => null,
        }).OfType<Value>().ToHashSet();

    /// <summary>The arrays the block (nested blocks included) reads elements of.</summary>
    public static HashSet<Value> ArraysRead(Block block)
        => Blocks.AllInstructions(block).OfType<Op>().Where(op => op.Kind == OpKind.LoadElement).Select(op => op.Args[0]).ToHashSet();

    private void Walk(Block block)
    {
        foreach (var instr in Blocks.AllInstructions(block))
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
                case LoopInstr loop:
                    _loopStart[loop] = _position;
                    break;
            }
        }
    }
}
