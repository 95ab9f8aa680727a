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
        tape._rowSetsRented = 0;
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
    private void Grow() => GrowTo(_count + 1L);

    /// <summary>
    /// Makes room, before a counted loop <c>for (i = start; i &lt; end; i++)</c> starts, for its pushes: <paramref name="perIteration"/>
    /// per trip and <paramref name="atExit"/> more in the iteration that exits. Its body then pushes without a check
    /// (<see cref="UncheckedPushExpression"/>): a call to <see cref="Grow"/> inside a loop, even one never taken, costs the
    /// loop more than the check itself (measured: the MLP gradient 30% slower than with the room reserved before).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReserveForLoop(int start, int end, int perIteration, int atExit)
    {
        var needed = Math.Max(0L, (long)end - start) * perIteration + atExit;
        if (needed > _values.Length - _count) GrowTo(_count + needed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowTo(long length)
    {
        // Doubling, for every way the tape grows; a clear failure when no array can hold it.
        if (length > Array.MaxLength)
            throw new OutOfMemoryException($"ExprAD: the tape of this call would need {length} values, more than an array can hold.");
        var grown = Math.Max(1L, _values.Length);
        while (grown < length) grown *= 2;
        Array.Resize(ref _values, (int)Math.Min(grown, Array.MaxLength));
    }

    /// <summary><c>tape._values[tape._count++] = value</c>: a push into room <see cref="ReserveForLoop"/> made.</summary>
    public static Expression UncheckedPushExpression(Expression tape, Expression value)
        => Expression.Assign(
            Expression.ArrayAccess(Expression.Field(tape, nameof(_values)), Expression.PostIncrementAssign(Expression.Field(tape, nameof(_count)))),
            value);

    /// <summary>Pushes <c>source[0 .. length)</c>, a snapshot of a scratch array (a plain loop: see <see cref="ScalarMemory"/>).</summary>
    public void PushElements(double[] source, int length)
    {
        if (_values.Length - _count < length) GrowTo(_count + (long)length);
        ScalarMemory.Copy(source, 0, _values, _count, length);
        _count += length;
    }

    /// <summary>Pops the last <paramref name="length"/> values pushed by <see cref="PushElements"/> back into <c>target[0 .. length)</c>.</summary>
    public void PopElements(double[] target, int length)
    {
        _count -= length;
        ScalarMemory.Copy(_values, _count, target, 0, length);
    }

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
    // Functions that share this thread's tape in turn (f and its gradient, alternated by a line search)
    // create different lengths at the same point: a rent looks further along for one of its length, and
    // keeps the array it displaces, up to MaxCachedArrays.
    private const int MaxCachedArrays = 64;
    private double[]?[] _arrays = [];
    private int _arraysRented;

    /// <summary><c>new double[length]</c>, reusing (cleared) an array of that length a previous call on this thread created.</summary>
    public double[] RentArray(int length)
    {
        if (_arraysRented == _arrays.Length) Array.Resize(ref _arrays, Math.Max(4, 2 * _arrays.Length));
        for (var k = _arraysRented; k < _arrays.Length; k++)
        {
            if (_arrays[k] is not { } candidate || candidate.Length != length) continue;
            (_arrays[k], _arrays[_arraysRented]) = (_arrays[_arraysRented], candidate);
            ScalarMemory.Clear(candidate);
            _arraysRented++;
            return candidate;
        }
        var created = new double[length]; // a negative length throws here, as new double[n] does
        if (_arrays[_arraysRented] is { } displaced) Keep(displaced);
        _arrays[_arraysRented++] = created;
        return created;
    }

    /// <summary>Puts an array a rent displaced into a free place after the rented ones, if the cache is not full.</summary>
    private void Keep(double[] displaced)
    {
        var free = Array.IndexOf(_arrays, null, _arraysRented + 1);
        if (free < 0)
        {
            if (_arrays.Length >= MaxCachedArrays) return;
            free = _arrays.Length;
            Array.Resize(ref _arrays, 2 * _arrays.Length);
        }
        _arrays[free] = displaced;
    }

    // The row sets of expanded scratch arrays (see ScratchRows), handed out in creation order like the arrays.
    private ScratchRows[] _rowSets = [];
    private int _rowSetsRented;

    /// <summary>The rows for a scratch array of <paramref name="length"/> elements: the previous call's in the same place, if they have that length.</summary>
    public ScratchRows RentRows(int length)
    {
        if (_rowSetsRented == _rowSets.Length)
        {
            if (_rowSets.Length >= MaxCachedArrays) return new ScratchRows(length);
            Array.Resize(ref _rowSets, Math.Max(4, 2 * _rowSets.Length));
        }
        if (_rowSets[_rowSetsRented] is not { } rows || rows.Length != length)
            _rowSets[_rowSetsRented] = rows = new ScratchRows(length);
        _rowSetsRented++;
        return rows;
    }

    /// <summary>For tests: the next call on this thread gets a fresh tape of <paramref name="capacity"/> values.</summary>
    internal static void CacheFreshTapeOnThisThread(int capacity) => _cached = new Tape { _values = new double[capacity] };

    /// <summary>Bytes held, for tests of tape use per iteration.</summary>
    internal int Capacity => _values.Length * sizeof(double);
    internal static int CachedCapacityOnThisThread => _cached?.Capacity ?? 0;
}
