using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace ExprAD.Compilation;

/// <summary>
/// The per-call stack on which a loop's forward sweep saves the values its reverse sweep needs, and the
/// per-call store of the local arrays the function creates (and of their adjoint arrays).
/// One tape is cached per thread, so a steady-state call allocates nothing and concurrent calls never
/// share one; a call nested in another on the same thread simply gets a fresh tape.
/// </summary>
internal sealed class Tape
{
    [ThreadStatic] private static Tape? _cached;

    // Fields, not properties: the generated code pops by indexing them directly (see PopExpression).
    internal double[] _values = new double[256];
    internal int _count;

    public static Tape Rent()
    {
        var tape = _cached ?? new Tape();
        _cached = null;
        return tape;
    }

    /// <summary>Called from a finally block, so the tape comes back even when the function throws.</summary>
    public static void Return(Tape tape)
    {
        tape._count = 0;
        tape._arraysRented = 0;
        _cached = tape;
    }

    // Push runs inside the generated loops: a call there would cost more than its work, and values live
    // across it would lose their registers; growing, rare, stays out of line.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(double value)
    {
        if (_count == _values.Length) Grow();
        _values[_count++] = value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _values, _values.Length * 2);

    /// <summary>
    /// <c>tape._values[--tape._count]</c>, written into the generated code rather than called: the JIT did not
    /// inline a Pop method into it, and a call in a reverse loop costs the loop its registers.
    /// </summary>
    public static Expression PopExpression(Expression tape)
        => Expression.ArrayIndex(
            Expression.Field(tape, nameof(_values)),
            Expression.PreDecrementAssign(Expression.Field(tape, nameof(_count))));

    /// <summary><c>--tape._count</c>: a pop whose value nobody reads.</summary>
    public static Expression DropExpression(Expression tape)
        => Expression.PreDecrementAssign(Expression.Field(tape, nameof(_count)));

    // Local arrays never outlive the call (the function returns a double, or its outputs are copied out
    // before it returns), and each creation runs at most once per call (arrays created in loops are
    // refused), so the k-th array a call creates can be the k-th array of the previous call, cleared.
    private double[][] _arrays = [];
    private int _arraysRented;

    /// <summary><c>new double[length]</c>, reusing the array this call's predecessor created at the same point when it has that length.</summary>
    public double[] RentArray(int length)
    {
        if (_arraysRented == _arrays.Length) Array.Resize(ref _arrays, Math.Max(4, 2 * _arrays.Length));
        var array = _arrays[_arraysRented];
        if (array is not null && array.Length == length)
            Array.Clear(array);
        else
            _arrays[_arraysRented] = array = new double[length]; // a negative length throws here, as new double[n] does
        _arraysRented++;
        return array;
    }

    /// <summary>Bytes held, for tests of tape use per iteration.</summary>
    internal int Capacity => _values.Length * sizeof(double);
    internal static int CachedCapacityOnThisThread => _cached?.Capacity ?? 0;
}
