namespace ExprAD.Compilation;

/// <summary>
/// The per-call stack on which a loop's forward sweep saves the values its reverse sweep needs.
/// One tape is cached per thread, so a steady-state call allocates nothing and concurrent calls never
/// share one; a call nested in another on the same thread simply gets a fresh tape.
/// </summary>
internal sealed class Tape
{
    [ThreadStatic] private static Tape? _cached;

    private double[] _values = new double[256];
    private int _count;

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
        _cached = tape;
    }

    public void Push(double value)
    {
        if (_count == _values.Length) Array.Resize(ref _values, _values.Length * 2);
        _values[_count++] = value;
    }

    public double Pop() => _values[--_count];

    /// <summary>Bytes held, for tests of tape use per iteration.</summary>
    internal int Capacity => _values.Length * sizeof(double);
    internal static int CachedCapacityOnThisThread => _cached?.Capacity ?? 0;
}
