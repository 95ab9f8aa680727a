namespace ExprAD.Compilation;

/// <summary>
/// One scratch array per iteration of a recorded loop, instead of one array whose elements are pushed onto the tape
/// at the end of every iteration and popped back in its reverse (a snapshot, <c>LoopInstr.Snapshots</c>): iteration t
/// fills row t and the reverse of iteration t reads row t, with no copy either way. The rows are kept from call to
/// call on the thread's tape, so a steady state allocates nothing; their contents are never cleared, because a
/// scratch array is refilled whole at the start of each iteration before anything reads it.
/// </summary>
internal sealed class ScratchRows(int length)
{
    private double[][] _rows = [];

    /// <summary>The length of every row: the scratch array's.</summary>
    public int Length { get; } = length;

    /// <summary>
    /// The rows, at least <paramref name="trips"/> of them: called as the loop starts, so that the loop itself indexes
    /// an array and makes no call (a call there, even one never taken, costs the loop its registers).
    /// </summary>
    public double[][] Reserve(int trips)
    {
        if (trips > _rows.Length)
        {
            var grown = new double[Math.Max(trips, 2 * _rows.Length)][];
            Array.Copy(_rows, grown, _rows.Length);
            for (var t = _rows.Length; t < grown.Length; t++) grown[t] = new double[Length];
            _rows = grown;
        }
        return _rows;
    }
}
