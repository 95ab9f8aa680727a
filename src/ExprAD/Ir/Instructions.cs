using System.Linq.Expressions;
using System.Reflection;

namespace ExprAD.Ir;

internal abstract class Instr;

internal enum OpKind
{
    /// <summary>A literal; <see cref="Op.ConstantValue"/> holds it.</summary>
    Constant,
    /// <summary>The function's array parameter.</summary>
    Input,
    /// <summary>An expression read as-is at run time (a captured variable, a static field): inactive.</summary>
    Leaf,
    /// <summary><see cref="Op.NodeType"/> applied to one argument (Negate, Not, ArrayLength).</summary>
    Unary,
    /// <summary><see cref="Op.NodeType"/> applied to two arguments (arithmetic, comparisons).</summary>
    Binary,
    /// <summary>Conversion of the argument to <see cref="Op.Type"/>.</summary>
    Convert,
    /// <summary>A call of <see cref="Op.Method"/>; for an instance method the first argument is the instance.</summary>
    Call,
    /// <summary><c>array[index]</c>, or <c>array[i, j]</c> for rectangular arrays.</summary>
    ArrayIndex,
    /// <summary>A field or property read of <see cref="Op.Member"/> on the first argument (or static).</summary>
    Member,
    /// <summary><c>c ? a : b</c> with both sides already computed: branch-free.</summary>
    Select,
}

/// <summary><c>result = kind(args)</c>: one elementary operation.</summary>
internal sealed class Op : Instr
{
    public required OpKind Kind { get; init; }
    public required Value Result { get; init; }
    public Value[] Args { get; init; } = [];
    public ExpressionType NodeType { get; init; }
    public MethodInfo? Method { get; init; }
    public MemberInfo? Member { get; init; }
    public Type? Type { get; init; }
    public object? ConstantValue { get; init; }
    public Expression? Leaf { get; init; }

    /// <summary>No side effects: may be shared (CSE), moved to its single use, or dropped when unused.</summary>
    public bool Pure { get; init; } = true;
}

/// <summary>A value that is one of two values depending on which branch of an <see cref="IfInstr"/> ran.</summary>
internal sealed record Join(Value Result, Value WhenTrue, Value WhenFalse);

/// <summary>Structured conditional: runs one of two blocks, then defines its joins.</summary>
internal sealed class IfInstr(Value condition, Block whenTrue, Block whenFalse) : Instr
{
    public Value Condition { get; } = condition;
    public Block WhenTrue { get; } = whenTrue;
    public Block WhenFalse { get; } = whenFalse;
    public List<Join> Joins { get; } = [];
}

/// <summary><c>accumulator += term</c> (reverse sweep).</summary>
internal sealed class AccumulateInstr(Accumulator accumulator, Value term) : Instr
{
    public Accumulator Accumulator { get; } = accumulator;
    public Value Term { get; } = term;
}

/// <summary><c>accumulator = 0</c> (reverse sweep).</summary>
internal sealed class ResetAccumulatorInstr(Accumulator accumulator) : Instr
{
    public Accumulator Accumulator { get; } = accumulator;
}

/// <summary><c>gradient[index] += term</c>: the adjoint of a read of the input array.</summary>
internal sealed class GradientAddInstr(Value index, Value term) : Instr
{
    public Value Index { get; } = index;
    public Value Term { get; } = term;
}
