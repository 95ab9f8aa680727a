namespace ExprAD.Ir;

/// <summary>
/// A straight-line list of instructions, with the table of the pure ops it defined so that the same
/// computation is reused (common-subexpression elimination) wherever the first one is visible.
/// </summary>
internal sealed class Block
{
    private readonly Dictionary<OpKey, Value> _defined = [];

    /// <param name="scopes">
    /// Blocks whose values are visible here: the enclosing block, and for a reverse-sweep block also the
    /// forward block it reverses (its values were computed earlier on the same path).
    /// </param>
    public Block(params Block[] scopes)
    {
        // Flattened once, innermost first, so lookups are a loop rather than a walk of a scope graph
        // (a reverse block has two parents, and walking both chains recursively grows quadratically).
        var visible = new List<Block> { this };
        var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance) { this };
        foreach (var scope in scopes)
            foreach (var block in scope._visible)
                if (seen.Add(block)) visible.Add(block);
        _visible = visible;
        _visibleSet = seen;
    }

    private readonly List<Block> _visible;
    private readonly HashSet<Block> _visibleSet;

    public List<Instr> Instructions { get; } = [];

    /// <summary>Whether values defined in <paramref name="other"/> may be used here.</summary>
    public bool Sees(Block other) => _visibleSet.Contains(other);

    public Value? Find(in OpKey key)
    {
        foreach (var block in _visible)
            if (block._defined.TryGetValue(key, out var value)) return value;
        return null;
    }

    public void Remember(in OpKey key, Value value) => _defined[key] = value;
}
