using ExprAD.Ir;

namespace ExprAD.Differentiation;

/// <summary>
/// Where, in forward program order, local arrays are written, and where each loop starts and ends. A loop's
/// reverse sweep recomputes its iterations, so a read of an array element inside it gives the value the
/// forward sweep saw only if nothing writes that array between the loop's forward and its reverse: inside
/// the loop or after it, up to the end of the loop around it (whose iteration is reversed right after, in a
/// fused reverse, or recomputed before, in a recorded one), or up to the end of the function for a loop at the
/// top level.
/// </summary>
internal sealed class ArrayOrder
{
    private readonly Dictionary<Value, List<int>> _writes = [];
    private readonly Dictionary<LoopInstr, (int Start, int WindowEnd)> _loops = new(ReferenceEqualityComparer.Instance);
    private int _position;

    public static ArrayOrder Of(Block root)
    {
        var order = new ArrayOrder();
        order.Walk(root, []);
        return order;
    }

    /// <summary>
    /// True when <paramref name="array"/> may be written from the start of <paramref name="loop"/> to the end of the
    /// loop around it, or of the function for a top-level loop: between the loop's forward and its reverse, when a
    /// read in it is done again (a copy answers as its original: code around a copy is a copy of the code around the original).
    /// </summary>
    public bool WrittenBeforeReversed(Value array, LoopInstr loop)
        => _loops.TryGetValue(loop.Origin, out var window) && _writes.TryGetValue(array, out var writes)
           && writes.Any(position => position >= window.Start && position <= window.WindowEnd);

    /// <summary>How many instructions write <paramref name="array"/> in the window of <see cref="WrittenBeforeReversed"/>.</summary>
    public int WritesBeforeReversed(Value array, LoopInstr loop)
        => _loops.TryGetValue(loop.Origin, out var window) && _writes.TryGetValue(array, out var writes)
            ? writes.Count(position => position >= window.Start && position <= window.WindowEnd)
            : 0;

    /// <summary>True when <paramref name="array"/> may be written anywhere from the start of <paramref name="loop"/> on (to the end of the function).</summary>
    public bool WrittenInOrAfter(Value array, LoopInstr loop)
        => _loops.TryGetValue(loop.Origin, out var window) && _writes.TryGetValue(array, out var writes)
           && writes.Any(position => position >= window.Start);

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

    /// <param name="block">The code walked.</param>
    /// <param name="inner">Collects the loops met whose nearest enclosing loop is the one being walked.</param>
    private void Walk(Block block, List<LoopInstr> inner)
    {
        foreach (var instr in block.Instructions)
        {
            _position++;
            switch (instr)
            {
                case StoreElementInstr store:
                    Record(store.Array);
                    break;
                case ClearArrayInstr clear:
                    Record(clear.Array);
                    break;
                case IfInstr branch:
                    Walk(branch.WhenTrue, inner);
                    Walk(branch.WhenFalse, inner);
                    break;
                case LoopInstr loop:
                    _loops[loop] = (_position, int.MaxValue);
                    inner.Add(loop);
                    var nested = new List<LoopInstr>();
                    Walk(loop.Body, nested);
                    // Loops in this body may see writes up to its end (the next iterations come after them).
                    foreach (var child in nested) _loops[child] = (_loops[child].Start, _position);
                    break;
            }
        }
    }

    private void Record(Value array)
    {
        if (!_writes.TryGetValue(array, out var writes)) _writes[array] = writes = [];
        writes.Add(_position);
    }
}
