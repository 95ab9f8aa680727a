using System.Linq.Expressions;

namespace ExprAD.Ir;

/// <summary>
/// Identity of a pure op for common-subexpression elimination: two ops with equal keys compute the
/// same value. Arguments are compared by value id, constants by their bits (so -0.0 and 0.0 differ,
/// and NaN equals NaN), everything else (methods, members, captured objects) by reference.
/// </summary>
internal readonly struct OpKey : IEquatable<OpKey>
{
    private readonly OpKind _kind;
    private readonly ExpressionType _nodeType;
    private readonly object? _token;
    private readonly int _arg0, _arg1, _arg2;
    private readonly int _argCount;

    private OpKey(OpKind kind, ExpressionType nodeType, object? token, int argCount, int a0, int a1, int a2)
    {
        _kind = kind; _nodeType = nodeType; _token = token; _argCount = argCount;
        _arg0 = a0; _arg1 = a1; _arg2 = a2;
    }

    /// <summary>The key of an op of this shape, or null when ops of its shape are not shared.</summary>
    public static OpKey? For(OpKind kind, ExpressionType nodeType, object? token, Value[] args)
    {
        if (args.Length > 3) return null;
        int Id(int i) => i < args.Length ? args[i].Id : -1;
        // Boxed doubles compare by bits; the type is part of the token so 1 (int) and 1.0 differ.
        var normalized = token is double d ? (object)BitConverter.DoubleToInt64Bits(d) : token;
        return new OpKey(kind, nodeType, normalized, args.Length, Id(0), Id(1), Id(2));
    }

    public bool Equals(OpKey other)
        => _kind == other._kind && _nodeType == other._nodeType && _argCount == other._argCount
           && _arg0 == other._arg0 && _arg1 == other._arg1 && _arg2 == other._arg2
           && TokensEqual(_token, other._token);

    private static bool TokensEqual(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        // Value-typed tokens (constants, node types) compare by value; captured objects by reference.
        return a.GetType().IsValueType && a.GetType() == b.GetType() && a.Equals(b);
    }

    public override bool Equals(object? obj) => obj is OpKey other && Equals(other);

    public override int GetHashCode()
    {
        var tokenHash = _token switch
        {
            null => 0,
            { } t when t.GetType().IsValueType => t.GetHashCode() ^ t.GetType().GetHashCode(),
            { } t => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(t),
        };
        return HashCode.Combine(_kind, _nodeType, tokenHash, _arg0, _arg1, _arg2);
    }
}
