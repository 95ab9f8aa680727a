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

    /// <summary>The op that computes it; null for the joins of an <see cref="IfInstr"/> and for accumulator reads.</summary>
    public Op? Definition { get; set; }

    /// <summary>A mutable variable this value reads (accumulators in the reverse sweep).</summary>
    public Accumulator? ReadsAccumulator { get; init; }

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

/// <summary>A mutable double local of the reverse sweep that collects adjoint terms arriving from nested blocks.</summary>
internal sealed class Accumulator(int id, Value target)
{
    public int Id { get; } = id;
    /// <summary>The forward value whose adjoint this accumulates.</summary>
    public Value Target { get; } = target;
}
