using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Rules;

namespace ExprAD.Ir;

internal sealed partial class IrBuilder
{
    public Value Add(Value a, Value b) => Binary(ExpressionType.Add, a, b);
    public Value Subtract(Value a, Value b) => Binary(ExpressionType.Subtract, a, b);
    public Value Multiply(Value a, Value b) => Binary(ExpressionType.Multiply, a, b);
    public Value Divide(Value a, Value b) => Binary(ExpressionType.Divide, a, b);
    public Value Negate(Value a) => Unary(ExpressionType.Negate, a);

    public Value Unary(ExpressionType nodeType, Value a)
    {
        if (nodeType == ExpressionType.UnaryPlus) return a;
        if (nodeType == ExpressionType.Negate)
        {
            if (a.TryGetConstantDouble(out var c)) return Double(-c);
            if (a.Definition is { Kind: OpKind.Unary, NodeType: ExpressionType.Negate } inner && a.Type == typeof(double))
                return inner.Args[0];
        }
        if (nodeType == ExpressionType.Not && a.IsConstant && a.ConstantValue is bool flag) return Constant(!flag, typeof(bool));
        if (nodeType == ExpressionType.ArrayLength) return ArrayLength(a);
        if (a.IsConstant && a.Type == typeof(int) && nodeType == ExpressionType.Negate && a.ConstantValue is int i && i != int.MinValue)
            return Constant(-i, typeof(int));
        var active = a.Active && a.Type == typeof(double) && nodeType is ExpressionType.Negate;
        var faulting = nodeType == ExpressionType.NegateChecked && a.Type != typeof(double);
        return Emit(OpKind.Unary, a.Type, [a], active, token: null, pure: !faulting, nodeType: nodeType, faulting: faulting);
    }

    public Value Binary(ExpressionType nodeType, Value a, Value b)
    {
        var isComparison = nodeType is ExpressionType.LessThan or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan
            or ExpressionType.GreaterThanOrEqual or ExpressionType.Equal or ExpressionType.NotEqual;
        var type = isComparison ? typeof(bool) : a.Type;

        if (a.IsConstant && b.IsConstant && TryFoldBinary(nodeType, a.ConstantValue, b.ConstantValue, out var folded))
            return Constant(folded, type);
        if (type == typeof(double) && SimplifyDouble(nodeType, a, b) is { } simpler) return simpler;
        if (type == typeof(int) && SimplifyInt(nodeType, a, b) is { } simplerInt) return simplerInt;

        var active = !isComparison && type == typeof(double) && (a.Active || b.Active);
        // Order the operands of commutative ops so that a*b and b*a share one value.
        if (nodeType is ExpressionType.Add or ExpressionType.Multiply && a.Id > b.Id) (a, b) = (b, a);
        var faulting = MayThrow(nodeType, type, b);
        return Emit(OpKind.Binary, type, [a, b], active, token: null, pure: !faulting, nodeType: nodeType, faulting: faulting);
    }

    /// <summary>
    /// Integer division and remainder throw for a divisor of 0 (and of -1 with the smallest dividend), checked operators on
    /// overflow; doubles never throw. A constant divisor other than 0 and -1 cannot make them throw.
    /// </summary>
    private static bool MayThrow(ExpressionType nodeType, Type type, Value divisor)
    {
        if (type == typeof(double) || type == typeof(float) || type == typeof(bool)) return false;
        return nodeType switch
        {
            ExpressionType.AddChecked or ExpressionType.SubtractChecked or ExpressionType.MultiplyChecked => true,
            ExpressionType.Divide or ExpressionType.Modulo => !divisor.IsConstant || divisor.ConstantValue is null
                || System.Convert.ToDecimal(divisor.ConstantValue, System.Globalization.CultureInfo.InvariantCulture) is 0m or -1m,
            _ => false,
        };
    }

    /// <summary>Identities on doubles. Exact ones always; those wrong for infinities or NaN only in derivative code.</summary>
    private Value? SimplifyDouble(ExpressionType nodeType, Value a, Value b)
    {
        switch (nodeType)
        {
            case ExpressionType.Add:
                if (b.IsConstantDouble(-0.0)) return a;
                if (Algebraic && b.IsConstantDouble(0.0)) return a;
                if (Algebraic && (a.IsConstantDouble(0.0) || a.IsConstantDouble(-0.0))) return b;
                if (IsNegation(b, out var nb)) return Subtract(a, nb);
                if (IsNegation(a, out var na)) return Subtract(b, na);
                break;
            case ExpressionType.Subtract:
                if (b.IsConstantDouble(0.0)) return a;
                if (Algebraic && a.IsConstantDouble(0.0)) return Negate(b);
                if (IsNegation(b, out var nb2)) return Add(a, nb2);
                break;
            case ExpressionType.Multiply:
                if (b.IsConstantDouble(1.0)) return a;
                if (a.IsConstantDouble(1.0)) return b;
                if (b.IsConstantDouble(-1.0)) return Negate(a);
                if (a.IsConstantDouble(-1.0)) return Negate(b);
                if (Algebraic && (IsZero(a) || IsZero(b))) return Double(0.0);
                if (IsNegation(a, out var ma) && IsNegation(b, out var mb)) return Multiply(ma, mb);
                if (Algebraic && IsNegation(a, out var ma2)) return Negate(Multiply(ma2, b));
                if (Algebraic && IsNegation(b, out var mb2)) return Negate(Multiply(a, mb2));
                if (Algebraic && a.TryGetConstantDouble(out var ca) && IsConstantTimes(b, out var cb, out var rest)) return Multiply(Double(ca * cb), rest);
                if (Algebraic && b.TryGetConstantDouble(out var cb2) && IsConstantTimes(a, out var ca2, out var rest2)) return Multiply(Double(ca2 * cb2), rest2);
                if (Algebraic && DistributeOverSelect(a, b) is { } distributed) return distributed;
                if (Algebraic && DistributeOverSelect(b, a) is { } distributed2) return distributed2;
                break;
            case ExpressionType.Divide:
                if (b.IsConstantDouble(1.0)) return a;
                if (Algebraic && IsZero(a)) return Double(0.0);
                if (Algebraic && IsNegation(a, out var da)) return Negate(Divide(da, b));
                break;
        }
        return null;
    }

    /// <summary><c>c * y</c> with a constant c (either side).</summary>
    private static bool IsConstantTimes(Value v, out double c, out Value rest)
    {
        if (v.Definition is { Kind: OpKind.Binary, NodeType: ExpressionType.Multiply } op && v.Type == typeof(double))
        {
            if (op.Args[0].TryGetConstantDouble(out c)) { rest = op.Args[1]; return true; }
            if (op.Args[1].TryGetConstantDouble(out c)) { rest = op.Args[0]; return true; }
        }
        c = 0;
        rest = v;
        return false;
    }

    /// <summary>
    /// In derivative code, <c>Math.Pow(a, n)</c> with a small integer or half-integer n as multiplications
    /// (and one square root): the power rule produces such calls (d/da a^12 = 12 a^11), and a call of
    /// Math.Pow costs as much as a dozen multiplications. Within an ulp or so of Math.Pow.
    /// </summary>
    private Value? PowerByMultiplication(Value a, double n)
    {
        if (n == 0) return Double(1);
        if (Math.Abs(n) > 16 || n * 2 != Math.Floor(n * 2)) return null;
        var magnitude = Math.Abs(n);
        var whole = (int)Math.Floor(magnitude);
        Value? result = magnitude != whole ? MathCall(MathMethods.Sqrt, a) : null;
        // Binary exponentiation: squares are shared through CSE.
        var square = a;
        for (var bits = whole; bits > 0; bits >>= 1)
        {
            if ((bits & 1) != 0) result = result is null ? square : Multiply(result, square);
            if (bits > 1) square = Multiply(square, square);
        }
        return n < 0 ? Divide(Double(1), result!) : result;
    }

    /// <summary>Exact integer identities (unchecked arithmetic): the reverse sweep's index recomputation produces them.</summary>
    private static Value? SimplifyInt(ExpressionType nodeType, Value a, Value b) => nodeType switch
    {
        ExpressionType.Add when a.ConstantValue is 0 => b,
        ExpressionType.Add or ExpressionType.Subtract when b.ConstantValue is 0 => a,
        ExpressionType.Multiply when a.ConstantValue is 1 => b,
        ExpressionType.Multiply or ExpressionType.Divide when b.ConstantValue is 1 => a,
        _ => null,
    };

    private static bool IsZero(Value v) => v.IsConstantDouble(0.0) || v.IsConstantDouble(-0.0);

    private static bool IsNegation(Value v, out Value operand)
    {
        if (v.Definition is { Kind: OpKind.Unary, NodeType: ExpressionType.Negate } op && v.Type == typeof(double))
        {
            operand = op.Args[0];
            return true;
        }
        operand = v;
        return false;
    }

    /// <summary>
    /// <c>(c ? p : q) * y</c> with a constant side becomes <c>c ? p*y : q*y</c>: the partials of
    /// max, min, abs and clamp are selections of constants, and their adjoint terms become selections of y.
    /// </summary>
    private Value? DistributeOverSelect(Value select, Value y)
    {
        if (select.Definition is not { Kind: OpKind.Select } op) return null;
        var (c, p, q) = (op.Args[0], op.Args[1], op.Args[2]);
        if (!p.IsConstant && !q.IsConstant) return null;
        return Select(c, Multiply(p, y), Multiply(q, y));
    }

    private static bool TryFoldBinary(ExpressionType nodeType, object? a, object? b, out object? result)
    {
        result = null;
        switch (a, b)
        {
            case (double x, double y):
                result = nodeType switch
                {
                    ExpressionType.Add => x + y,
                    ExpressionType.Subtract => x - y,
                    ExpressionType.Multiply => x * y,
                    ExpressionType.Divide => x / y,
                    ExpressionType.Modulo => x % y,
                    ExpressionType.LessThan => x < y,
                    ExpressionType.LessThanOrEqual => x <= y,
                    ExpressionType.GreaterThan => x > y,
                    ExpressionType.GreaterThanOrEqual => x >= y,
                    ExpressionType.Equal => x == y,
                    ExpressionType.NotEqual => x != y,
                    _ => null,
                };
                break;
            case (int x, int y):
                // Integer division and remainder by zero must throw when the function runs, not now.
                if (y == 0 && nodeType is ExpressionType.Divide or ExpressionType.Modulo) return false;
                result = nodeType switch
                {
                    ExpressionType.Add => unchecked(x + y),
                    ExpressionType.Subtract => unchecked(x - y),
                    ExpressionType.Multiply => unchecked(x * y),
                    ExpressionType.Divide when !(x == int.MinValue && y == -1) => x / y,
                    ExpressionType.Modulo when !(x == int.MinValue && y == -1) => x % y,
                    ExpressionType.LessThan => x < y,
                    ExpressionType.LessThanOrEqual => x <= y,
                    ExpressionType.GreaterThan => x > y,
                    ExpressionType.GreaterThanOrEqual => x >= y,
                    ExpressionType.Equal => x == y,
                    ExpressionType.NotEqual => x != y,
                    _ => null,
                };
                break;
            case (bool x, bool y):
                result = nodeType switch
                {
                    ExpressionType.Equal => x == y,
                    ExpressionType.NotEqual => x != y,
                    ExpressionType.And => x & y,
                    ExpressionType.Or => x | y,
                    ExpressionType.ExclusiveOr => x ^ y,
                    _ => null,
                };
                break;
        }
        return result is not null;
    }

    private static bool TryFoldConvert(object? value, Type type, out object? result)
    {
        result = (value, type) switch
        {
            (int i, var t) when t == typeof(double) => (double)i,
            (long l, var t) when t == typeof(double) => (double)l,
            (int i, var t) when t == typeof(long) => (long)i,
            (double d, var t) when t == typeof(int) && d is > int.MinValue - 1.0 and < int.MaxValue + 1.0 => (int)d,
            _ => null,
        };
        return result is not null;
    }

    private static bool TryFoldCall(MethodInfo method, Value[] args, out object? result)
    {
        result = null;
        // Only the rule table's math functions are known to be pure and to return the same value at
        // build time as at run time; they are the same methods, called through reflection.
        if (method.DeclaringType != typeof(Math) && method.DeclaringType != typeof(double)) return false;
        try
        {
            result = method.Invoke(null, args.Select(a => a.ConstantValue).ToArray());
            return result is not null;
        }
        catch (TargetInvocationException)
        {
            return false; // e.g. Math.Clamp with min > max: let it throw when the function runs.
        }
    }
}
