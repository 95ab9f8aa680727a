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
    /// <summary>Reads <see cref="Op.Variable"/> (a snapshot: later writes to the variable do not change it).</summary>
    ReadVariable,
    /// <summary>Pops <see cref="Op.Slot"/> off the tape (reverse sweep of a loop).</summary>
    TapePop,
    /// <summary><c>new double[length]</c>: a local array the function writes (<see cref="Op.ConstantValue"/> holds its name, for messages).</summary>
    NewArray,
    /// <summary><c>array[index]</c> of a local array: reads memory that stores may change, so never shared or moved.</summary>
    LoadElement,
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

    public MutableVariable? Variable { get; init; }
    public TapeSlot? Slot { get; init; }

    /// <summary>
    /// Set on a math call at the top level of a recorded loop's body: its result is pushed once computed, and
    /// the loop's reverse pops it instead of calling the function again (a tanh costs more than a push and a pop).
    /// </summary>
    public TapeSlot? ResultSlot { get; set; }

    /// <summary>No side effects and no dependence on mutable state: may be shared (CSE), moved to its single use, or dropped when unused.</summary>
    public bool Pure { get; init; } = true;

    /// <summary>
    /// An integer operation that may throw (a division or remainder by a divisor that may be 0 or -1, a checked operator or
    /// conversion): not <see cref="Pure"/>, so it is computed where the function computes it and kept when unused, as
    /// f.Compile() would raise its exception there; but an equal visible value may stand for it (if that one did not throw,
    /// neither would this), and a recomputation of it in a reverse sweep, whose forward run already succeeded, is pure.
    /// </summary>
    public bool Faulting { get; init; }

    /// <summary>May be dropped when unused (pure ops, and reads of variables and arrays, which must not move).</summary>
    public bool Droppable => Pure || Kind is OpKind.ReadVariable or OpKind.TapePop or OpKind.LoadElement or OpKind.NewArray;

    /// <summary>
    /// A recomputed load (in a loop's reverse sweep) of an array element that the forward sweep may have
    /// overwritten since: its value is wrong, so the emitter refuses the function if anything still uses it.
    /// </summary>
    public bool Unstable { get; init; }
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

/// <summary><c>variable += term</c> (adjoint accumulation in the reverse sweep).</summary>
internal sealed class AccumulateInstr(MutableVariable variable, Value term) : Instr
{
    public MutableVariable Variable { get; } = variable;
    public Value Term { get; } = term;
}

/// <summary><c>variable = value</c>.</summary>
internal sealed class AssignVariableInstr(MutableVariable variable, Value value) : Instr
{
    public MutableVariable Variable { get; } = variable;
    public Value Value { get; } = value;
}

/// <summary>
/// <c>array[index] = value</c> on a local array. A ghost store is a recomputed copy in a loop's reverse
/// sweep: the forward sweep already wrote it, so it emits nothing, but its reverse still runs.
/// </summary>
internal sealed class StoreElementInstr(Value array, Value index, Value value, bool ghost = false) : Instr
{
    public Value Array { get; } = array;
    public Value Index { get; } = index;
    public Value Value { get; } = value;
    public bool Ghost { get; } = ghost;
}

/// <summary><c>array[index] += term</c>: the adjoint of a load, added into the adjoint array.</summary>
internal sealed class AccumulateElementInstr(Value array, Value index, Value term) : Instr
{
    public Value Array { get; } = array;
    public Value Index { get; } = index;
    public Value Term { get; } = term;
}

/// <summary><c>Array.Clear(array)</c>: every element set to zero (a gradient array zeroed before it is filled).</summary>
internal sealed class ClearArrayInstr(Value array, bool ghost = false) : Instr
{
    public Value Array { get; } = array;
    public bool Ghost { get; } = ghost;
}

/// <summary><c>gradient[index] += term</c>: the adjoint of a read of the input array.</summary>
internal sealed class GradientAddInstr(Value index, Value term) : Instr
{
    public Value Index { get; } = index;
    public Value Term { get; } = term;

    /// <summary><c>gradient[index] = term</c>: the first write of that entry, the gradient not having been zeroed.</summary>
    public bool Stores { get; set; }
}

/// <summary>
/// Zeroes the gradient entries outside [<see cref="Start"/>, <see cref="End"/>), or all of them when
/// <see cref="Wrote"/> is false: the entries a sliding window did not store (<see cref="Differentiation.GradientWindows"/>).
/// </summary>
internal sealed class ClearGradientOutsideInstr(Value wrote, Value start, Value end) : Instr
{
    public Value Wrote { get; } = wrote;
    public Value Start { get; } = start;
    public Value End { get; } = end;
}

/// <summary>
/// A variable carried around a loop: <see cref="Head"/> is its value at the start of an iteration
/// (<see cref="Init"/> on the first), <see cref="Next"/> its value at the end, <see cref="After"/> its
/// value once the loop has exited.
/// </summary>
internal sealed class Carried(string name, Value init, Value head)
{
    public string Name { get; } = name;
    public Value Init { get; } = init;
    public Value Head { get; } = head;
    public Value Next { get; set; } = head;
    public Value After { get; set; } = head;

    /// <summary>Set for an int counter that only ever goes <c>v = v + step</c>: its head is recomputed, never taped.</summary>
    public int? InductionStep { get; set; }

    /// <summary>Where the forward sweep saves the head for the reverse sweep, when it has to.</summary>
    public TapeSlot? Slot { get; set; }

    /// <summary>
    /// Carries a derivative: active in the loop, or active only once it leaves (a return value set at an exit,
    /// <c>if (c) return tanh(x[i]);</c>, from a constant before the loop), whose derivative comes from the exit's value alone.
    /// </summary>
    public bool Differentiated => Head.Active || After.Active;

    /// <summary>Active only once it leaves the loop (see <see cref="Differentiated"/>).</summary>
    public bool ActiveOnlyAfter => !Head.Active && After.Active;
}

/// <summary>
/// A loop: the body runs until one of its <see cref="ExitInstr"/>s (all at the top level of the body)
/// fires. The carried values flow from one iteration to the next.
/// </summary>
internal sealed class LoopInstr(Block body) : Instr
{
    public Block Body { get; } = body;
    public List<Carried> Carried { get; } = [];

    private LoopInstr? _origin;

    /// <summary>The loop of the forward code this one is a copy of (itself when it is not a copy): analyses of the forward code answer for copies through it.</summary>
    public LoopInstr Origin { get => _origin ?? this; set => _origin = value; }

    /// <summary>
    /// Set on the one instance whose reverse sweep follows: it records its trip count and exit and pushes
    /// its taped heads. Loops nested in other loops are re-run (recomputed) before their reverse, so
    /// their original forward instance records nothing.
    /// </summary>
    public bool Records { get; set; }
    public MutableVariable? TripCount { get; set; }
    public MutableVariable? ExitTaken { get; set; }

    public IEnumerable<ExitInstr> Exits => Body.Instructions.OfType<ExitInstr>();


    /// <summary>For a reduction: the reverse of one iteration, run at the end of each forward iteration.</summary>
    public Block? FusedReverse { get; set; }

    /// <summary>
    /// Scratch arrays this recorded loop pushes whole onto the tape at the end of each iteration; the reverse of the
    /// iteration restores them (<see cref="RestoreArrayInstr"/>) instead of refilling them by recomputation.
    /// </summary>
    public List<(Value Array, Value Length)> Snapshots { get; } = [];

    /// <summary>
    /// Local arrays this recorded loop overwrites and reads in nested code: pushed whole onto the tape at the start of
    /// each iteration (after the heads), so the reverse of the iteration restores the state it started from
    /// (<see cref="RestoreArrayInstr.AtEntry"/>) and recomputes it with real stores (see <c>ReverseSweep.OverwrittenArrays</c>).
    /// </summary>
    public List<(Value Array, Value Length)> EntrySnapshots { get; } = [];

    /// <summary>Set when <see cref="Differentiation.GradientWindows"/> slid this loop's gradient entries through registers.</summary>
    public GradientWindow? Window { get; set; }

    /// <summary>
    /// Set on a reduction nested at the top level of a recorded loop: its values after the loop are pushed
    /// on the tape (one slot per carried value), so the enclosing loop's reverse pops them instead of
    /// running this loop again, and reverses it by replaying it once with the adjoints known (<see cref="ReplayInstr"/>).
    /// </summary>
    public List<TapeSlot>? AfterSlots { get; set; }
}

/// <summary>
/// The registers of a loop's gradient window: offsets <see cref="Low"/> to <see cref="High"/> from
/// <see cref="Counter"/>; <see cref="Flushes"/> are the additions it makes (one per iteration, then after the loop),
/// <see cref="Ran"/> the test after the loop that it ran at least once.
/// </summary>
internal sealed record GradientWindow(Carried Counter, int Low, int High, List<GradientAddInstr> Flushes, Value Ran);

/// <summary>
/// Stands, in a recomputed iteration, for a nested reduction whose results were popped from the tape
/// (<see cref="LoopInstr.AfterSlots"/>): no code runs here in the forward direction; the reverse sweep
/// replays the loop with its adjoints at this point. <see cref="Map"/> translates the original loop's
/// values into the recomputed iteration's.
/// </summary>
internal sealed class ReplayInstr(LoopInstr original, Func<Value, Value> map) : Instr
{
    public LoopInstr Original { get; } = original;
    public Func<Value, Value> Map { get; } = map;
}

/// <summary>
/// Stands, in a recomputed iteration, for a math call whose result was popped from the tape
/// (<see cref="Op.ResultSlot"/>): no code runs here; the reverse sweep differentiates the call with
/// <see cref="Result"/> (the popped value) and the recomputed <see cref="Args"/>.
/// </summary>
internal sealed class TapedCallInstr(Op original, Value[] args, Value result) : Instr
{
    public Op Original { get; } = original;
    public Value[] Args { get; } = args;
    public Value Result { get; } = result;

    /// <summary>The call as an op for the rule table: the original's method on the recomputed arguments and the popped result.</summary>
    public Op AsOp() => new() { Kind = Original.Kind, Result = Result, Args = Args, Method = Original.Method, NodeType = Original.NodeType };
}

/// <summary>
/// Pops the elements of <see cref="Array"/> (<see cref="Length"/> of them) off the tape: the state a recorded loop's
/// iteration left it in (<see cref="LoopInstr.Snapshots"/>), or, <see cref="AtEntry"/>, the state it started from
/// (<see cref="LoopInstr.EntrySnapshots"/>).
/// </summary>
internal sealed class RestoreArrayInstr(Value array, Value length, bool atEntry = false) : Instr
{
    public Value Array { get; } = array;
    public Value Length { get; } = length;
    public bool AtEntry { get; } = atEntry;
}

/// <summary>Leaves the enclosing loop when <see cref="Condition"/> holds; <see cref="Values"/> are the carried values at that point.</summary>
internal sealed class ExitInstr(Value condition, Value[] values) : Instr
{
    public Value Condition { get; } = condition;
    public Value[] Values { get; } = values;
}

/// <summary>
/// The reverse of a recorded <see cref="LoopInstr"/>: the partial last iteration (one body per exit),
/// then the full iterations from last to first, each restoring its heads and recomputing the body.
/// </summary>
internal sealed class ReverseLoopInstr(LoopInstr forward, MutableVariable iteration, Block[] partialBodies, Block fullBody) : Instr
{
    public LoopInstr Forward { get; } = forward;
    /// <summary>The index of the iteration being reversed.</summary>
    public MutableVariable Iteration { get; } = iteration;
    public Block[] PartialBodies { get; } = partialBodies;
    public Block FullBody { get; } = fullBody;
}
