namespace ExprAD.Ir;

/// <summary>
/// One SSA value of the intermediate form: assigned once (by an <see cref="Op"/> or as the join of an
/// <see cref="IfInstr"/>) and never changed afterwards, so any two reads of it agree.
/// </summary>
internal sealed class Value
{
    public Value(int id, Type type, bool active, Block block)
    {
        Id = id;
        Type = type;
        Active = active;
        Block = block;
    }

    public int Id { get; }
    public Type Type { get; }

    /// <summary>A double that depends on the differentiated input: it needs an adjoint (or a tangent).</summary>
    public bool Active { get; }

    /// <summary>The block whose code defines this value; it is visible there and in blocks that see that one.</summary>
    public Block Block { get; }

    /// <summary>The op that computes it; null for joins of an if, and for a loop's head and exit values.</summary>
    public Op? Definition { get; set; }

    public bool IsConstant => Definition is { Kind: OpKind.Constant };
    public object? ConstantValue => Definition?.ConstantValue;

    public bool IsConstantDouble(double c)
        => IsConstant && ConstantValue is double d && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(c);

    public bool TryGetConstantDouble(out double d)
    {
        if (IsConstant && ConstantValue is double v) { d = v; return true; }
        d = 0; return false;
    }

    public override string ToString() => $"t{Id}:{Type.Name}{(Active ? "*" : "")}";
}

/// <summary>
/// A mutable local, outside SSA: the adjoint accumulators and carried adjoints of the reverse sweep,
/// loop counters and the values a loop carries from one iteration to the next.
/// </summary>
internal sealed class MutableVariable(int id, Type type, string name)
{
    public int Id { get; } = id;
    public Type Type { get; } = type;
    public string Name { get; } = name;
}

/// <summary>One value pushed on the tape by a loop's forward sweep and popped by its reverse sweep.</summary>
internal sealed class TapeSlot(Type type)
{
    public Type Type { get; } = type;
}
