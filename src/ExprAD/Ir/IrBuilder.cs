using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Rules;

namespace ExprAD.Ir;

/// <summary>
/// Appends ops to the current block, simplifying as it goes: constant folding, identities, and
/// sharing of pure ops already computed in a visible block (CSE by hash-consing). Every pass that
/// creates code (translation, reverse mode) goes through here, so no pass builds <c>0 * x</c> or
/// computes the same value twice.
/// </summary>
internal sealed partial class IrBuilder
{
    private int _nextId;

    public IrBuilder()
    {
        Prologue = new Block();
        Root = new Block(Prologue);
        Current = Root;
    }

    /// <summary>Loads hoisted to the top of the function: constants that need a local, captured variables, x.Length.</summary>
    public Block Prologue { get; }
    public Block Root { get; }
    public Block Current { get; set; }

    /// <summary>
    /// True while building derivative code: identities that are exact only for finite values
    /// (<c>0 * x = 0</c>, <c>x + 0 = x</c>) are applied. The function's own values always keep IEEE semantics.
    /// </summary>
    public bool Algebraic { get; set; }

    /// <summary>
    /// Values of ops that a pass rebuilding the instruction lists (forward mode) has taken out and not yet put
    /// back: they are defined later than the code being built now, so they must not be shared into it.
    /// </summary>
    public HashSet<Value> Pending { get; } = [];

    public int ValueCount => _nextId;

    /// <summary>The array whose elements are differentiated (x); reads of other array inputs carry no derivative.</summary>
    public Value? DifferentiatedInput { get; private set; }

    /// <summary>An array parameter of the compiled function: x (<paramref name="differentiated"/>), or a direction that is only data.</summary>
    public Value Input(System.Linq.Expressions.ParameterExpression parameter, bool differentiated = false)
    {
        if (differentiated) return DifferentiatedInput ??= InputOp(parameter);
        return InputOp(parameter);
    }

    private Value InputOp(System.Linq.Expressions.ParameterExpression parameter)
    {
        var key = OpKey.For(OpKind.Input, ExpressionType.Parameter, parameter, [])!.Value;
        if (Prologue.Find(key) is { } existing) return existing;
        var result = NewValue(parameter.Type, active: false, Prologue);
        var op = new Op { Kind = OpKind.Input, Result = result, Leaf = parameter };
        result.Definition = op;
        Prologue.Instructions.Add(op);
        Prologue.Remember(key, result);
        return result;
    }

    public Value Constant(object? value, Type type)
    {
        var token = (type, value is double d ? BitConverter.DoubleToInt64Bits(d) : value);
        var key = OpKey.For(OpKind.Constant, ExpressionType.Constant, token, []);
        if (Prologue.Find(key!.Value) is { } existing) return existing;
        var result = NewValue(type, active: false, Prologue);
        var op = new Op { Kind = OpKind.Constant, Result = result, ConstantValue = value, Type = type };
        result.Definition = op;
        Prologue.Remember(key.Value, result);
        // Primitive constants are written inline where used; only objects (arrays, closures) need a local.
        if (!IsInlineConstant(type)) Prologue.Instructions.Add(op);
        return result;
    }

    public static bool IsInlineConstant(Type type) => type.IsPrimitive || type == typeof(string) || type.IsEnum;

    public Value Double(double d) => Constant(d, typeof(double));

    /// <summary>An expression evaluated as-is each call (e.g. a static property), never shared.</summary>
    public Value Leaf(Expression expression)
    {
        var result = NewValue(expression.Type, active: false, Current);
        var op = new Op { Kind = OpKind.Leaf, Result = result, Leaf = expression, Pure = false };
        result.Definition = op;
        Current.Instructions.Add(op);
        return result;
    }

    public Value Member(Value? instance, MemberInfo member, bool pure)
    {
        var type = member switch { FieldInfo f => f.FieldType, PropertyInfo p => p.PropertyType, _ => throw new ArgumentException(null, nameof(member)) };
        var args = instance is null ? [] : new[] { instance };
        // A literal field (const) folds; readonly statics and captured variables are read at call time.
        if (member is FieldInfo { IsLiteral: true } literal) return Constant(literal.GetRawConstantValue(), type);
        return Emit(OpKind.Member, type, args, active: false, token: member, pure: pure, member: member);
    }

    public Value ArrayIndex(Value array, Value[] indices)
    {
        var elementType = array.Type.GetElementType()!;
        var active = elementType == typeof(double) && array == DifferentiatedInput;
        return Emit(OpKind.ArrayIndex, elementType, [array, .. indices], active, token: null, pure: true);
    }

    /// <summary>A local array of <paramref name="length"/> zeros; <paramref name="active"/> when its elements carry derivatives.</summary>
    public Value NewArray(Value length, bool active, string name)
    {
        var result = NewValue(typeof(double[]), active, Current);
        var op = new Op { Kind = OpKind.NewArray, Result = result, Args = [length], Pure = false, ConstantValue = name };
        result.Definition = op;
        Current.Instructions.Add(op);
        return result;
    }

    // How far back LoadElement looks for the same read; straight-line code between two reads of one element is short.
    private const int LoadReuseWindow = 32;

    /// <summary>
    /// Reads an element of a local array (active when the array's elements are). A read of the same element
    /// earlier in the same block, with only ops in between (which write no array), is reused: <c>z[r] * z[r]</c>
    /// is one read, and its adjoint one addition.
    /// </summary>
    public Value LoadElement(Value array, Value index, bool unstable = false)
    {
        var instructions = Current.Instructions;
        for (var i = instructions.Count - 1; i >= Math.Max(0, instructions.Count - LoadReuseWindow); i--)
        {
            if (instructions[i] is not Op previous) break;
            if (previous is { Kind: OpKind.LoadElement } earlier && earlier.Args[0] == array && earlier.Args[1] == index && earlier.Unstable == unstable)
                return earlier.Result;
        }
        var result = NewValue(typeof(double), array.Active, Current);
        var op = new Op { Kind = OpKind.LoadElement, Result = result, Args = [array, index], Pure = false, Unstable = unstable };
        result.Definition = op;
        Current.Instructions.Add(op);
        return result;
    }

    public static bool IsLocalArray(Value value) => value.Definition is { Kind: OpKind.NewArray };

    public Value ArrayLength(Value array)
        => Emit(OpKind.Unary, typeof(int), [array], active: false, token: null, pure: true, nodeType: ExpressionType.ArrayLength);

    /// <summary>
    /// <paramref name="operand"/> converted to <paramref name="type"/>; <paramref name="isChecked"/> for <c>checked((int)v)</c>, which
    /// throws on overflow (never folded, so that it throws when the function runs, as the original does).
    /// </summary>
    public Value Convert(Value operand, Type type, bool isChecked = false)
    {
        if (operand.Type == type) return operand;
        if (!isChecked && operand.IsConstant && TryFoldConvert(operand.ConstantValue, type, out var folded)) return Constant(folded, type);
        return Emit(OpKind.Convert, type, [operand], active: false, token: type, pure: !isChecked,
            nodeType: isChecked ? ExpressionType.ConvertChecked : ExpressionType.Convert, faulting: isChecked);
    }

    public Value Call(MethodInfo method, Value[] args, bool pure, bool active)
    {
        if (pure && method.IsStatic && args.All(a => a.IsConstant) && TryFoldCall(method, args, out var folded))
            return Constant(folded, method.ReturnType);
        if (Algebraic && method == MathMethods.Pow && args[1].TryGetConstantDouble(out var exponent) && PowerByMultiplication(args[0], exponent) is { } power)
            return power;
        return Emit(OpKind.Call, method.ReturnType, args, active, token: method, pure: pure, method: method);
    }

    /// <summary>
    /// A pure math call inside derivative code (a partial such as cos(a) for sin(a)): active when an argument is,
    /// so that derivative code can itself be differentiated (Hessians, reverse over forward).
    /// </summary>
    public Value MathCall(MethodInfo method, params Value[] args) => Call(method, args, pure: true, active: args.Any(a => a.Active));

    public Value Select(Value condition, Value whenTrue, Value whenFalse)
    {
        if (condition.IsConstant && condition.ConstantValue is bool c) return c ? whenTrue : whenFalse;
        if (whenTrue == whenFalse) return whenTrue;
        var active = whenTrue.Active || whenFalse.Active;
        return Emit(OpKind.Select, whenTrue.Type, [condition, whenTrue, whenFalse], active, token: null, pure: true);
    }


    /// <summary>
    /// Appends (or, when <paramref name="share"/>, reuses an equal visible value for) an op. Loads that cannot throw (a captured variable, the input's length) are
    /// hoisted to the prologue, so each is read once per call; anything that may throw (an array element,
    /// an integer division, a read through a captured reference that may be null) stays where the
    /// function evaluates it.
    /// </summary>
    internal Value Emit(OpKind kind, Type type, Value[] args, bool active, object? token, bool pure,
        ExpressionType nodeType = default, MethodInfo? method = null, MemberInfo? member = null,
        MutableVariable? variable = null, TapeSlot? slot = null, bool share = true, bool faulting = false)
    {
        var hoistable = pure && (kind == OpKind.Member || nodeType == ExpressionType.ArrayLength) && args.All(IsNonNullInPrologue);
        var target = hoistable ? Prologue : Current;
        var key = pure || faulting ? OpKey.For(kind, nodeType, token, args) : null;
        if (share && key is { } k && target.Find(k) is { } existing && !Pending.Contains(existing)) return existing;
        if (share && key is { } k2 && target != Current && Current.Find(k2) is { } visible && !Pending.Contains(visible)) return visible;

        var result = NewValue(type, active, target);
        var op = new Op
        {
            Kind = kind, Result = result, Args = args, NodeType = nodeType, Method = method, Member = member,
            Type = kind == OpKind.Convert ? type : null, Pure = pure && !faulting, Faulting = faulting, Variable = variable, Slot = slot,
        };
        result.Definition = op;
        target.Instructions.Add(op);
        if (key is { } k3) target.Remember(k3, result);
        return result;
    }

    /// <summary>
    /// Reading a member or the length of this object cannot throw: it is the input (checked for null on
    /// entry) or a non-null constant such as a closure. A captured variable may itself hold null, so reads
    /// through it stay where the function performs them (perhaps behind a null test).
    /// </summary>
    private bool IsNonNullInPrologue(Value instance)
        => instance.Definition is { Kind: OpKind.Input } || instance.Definition is { Kind: OpKind.Constant, ConstantValue: not null };

    /// <summary>A snapshot of <paramref name="variable"/>'s current value.</summary>
    public Value ReadVariable(MutableVariable variable, bool active = false)
        => Emit(OpKind.ReadVariable, variable.Type, [], active, token: null, pure: false, variable: variable);

    public Value TapePop(TapeSlot slot, bool active)
        => Emit(OpKind.TapePop, slot.Type, [], active, token: null, pure: false, slot: slot);

    private int _nextVariable;
    public MutableVariable NewVariable(Type type, string name) => new(_nextVariable++, type, name);

    /// <summary>A value with no defining op in <paramref name="block"/> (default: the current block): an if's join, a loop's head or exit value.</summary>
    public Value NewValue(Type type, bool active, Block? block = null) => new(_nextId++, type, active, block ?? Current);

}
