using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Diagnostics;
using ExprAD.Ir;
using ExprAD.Rules;

namespace ExprAD.Translation;

/// <summary>
/// Turns a lowered expression tree into the SSA intermediate form: every operation becomes one op on
/// named values, local variables become renamed SSA values, and conditionals become structured ifs with
/// joins. Anything differentiation cannot handle is refused here, at Differentiate time, with the
/// offending sub-expression quoted.
/// </summary>
internal sealed partial class IrTranslator
{
    private readonly IrBuilder _builder;
    private readonly ParameterExpression _inputParameter;
    private readonly Value _input;
    private Dictionary<ParameterExpression, Value> _variables = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ParameterExpression> _declared = new(ReferenceEqualityComparer.Instance);

    // Trees may share a node object several times (a DAG); without memoization a DAG of depth d could
    // be translated 2^d times. A memo entry is valid while no variable has changed since it was made.
    private readonly Dictionary<Expression, (Value Value, int Generation)> _memo = new(ReferenceEqualityComparer.Instance);
    private int _generation;

    private IrTranslator(IrBuilder builder, ParameterExpression input)
    {
        _builder = builder;
        _inputParameter = input;
        _input = builder.Input(input, differentiated: true);
    }

    /// <summary>Translates <paramref name="body"/> (a function of <paramref name="input"/>) into <paramref name="builder"/>'s root block.</summary>
    public static (Value Input, Value Result) Run(IrBuilder builder, ParameterExpression input, Expression body)
    {
        var translator = new IrTranslator(builder, input);
        var result = translator.Translate(body) ?? throw Errors.UnsupportedNode(body, "The function must return a double.");
        return (translator._input, result);
    }

    /// <summary>
    /// Translates <paramref name="lambda"/> applied to <paramref name="args"/> into the builder's current block,
    /// where a user's derivative rule is needed (its partials are given as lambdas of the call's arguments).
    /// </summary>
    public static Value Inline(IrBuilder builder, LambdaExpression lambda, Value[] args)
    {
        // The function's own input is already defined; the placeholder parameter just finds it.
        var translator = new IrTranslator(builder, Expression.Parameter(typeof(double[]), "unused"));
        for (var i = 0; i < args.Length; i++) translator._variables[lambda.Parameters[i]] = args[i];
        return translator.Required(Lowering.Lowerer.Run(lambda.Body));
    }

    /// <summary>
    /// Translates the body of a vector function, <c>new[] { ... }</c> (possibly at the end of blocks that
    /// compute shared values first); returns the value of each element, all in one SSA form so they share work.
    /// </summary>
    public static (Value Input, Value[] Outputs) RunVector(IrBuilder builder, ParameterExpression input, Expression body)
    {
        var translator = new IrTranslator(builder, input);
        return (translator._input, translator.TranslateOutputs(body));
    }

    /// <summary>Translates a vector function that fills and returns a local array (new double[m], written by loops); returns that array.</summary>
    public static (Value Input, Value Array) RunArray(IrBuilder builder, ParameterExpression input, Expression body)
    {
        var translator = new IrTranslator(builder, input);
        var result = translator.Translate(body);
        if (result is null || !IrBuilder.IsLocalArray(result))
            throw Errors.UnsupportedNode(body,
                "A vector function must return an array initializer, x => new[] { f0, f1, ... }, or a double array it creates "
                + "(new double[m]) and fills, returned as the last expression of its body.");
        return (translator._input, result);
    }

    private Value[] TranslateOutputs(Expression body)
    {
        StackGuard.Check();
        switch (body)
        {
            case NewArrayExpression { NodeType: ExpressionType.NewArrayInit } array when array.Type == typeof(double[]):
                return array.Expressions.Select(Required).ToArray();
            case BlockExpression block:
                Value[] outputs = [];
                WithBlockScope(block, () =>
                {
                    foreach (var expression in block.Expressions.SkipLast(1)) Translate(expression);
                    outputs = TranslateOutputs(block.Expressions[^1]);
                });
                return outputs;
            default:
                throw Errors.UnsupportedNode(body,
                    "A vector function must return its values as an array initializer, x => new[] { f0, f1, ... }, "
                    + "optionally at the end of a block that computes shared values first.");
        }
    }

    private Value? Translate(Expression node)
    {
        StackGuard.Check();
        if (_memo.TryGetValue(node, out var memo) && memo.Generation == _generation && _builder.Current.Sees(memo.Value.Block))
            return memo.Value;
        var generation = _generation;
        var value = TranslateNode(node);
        if (value is not null && generation == _generation) _memo[node] = (value, generation);
        return value;
    }

    private Value Required(Expression node) => Translate(node) ?? throw Errors.UnsupportedNode(node, "A value was expected here.");

    private Value? TranslateNode(Expression node) => node switch
    {
        ParameterExpression p => Parameter(p),
        ConstantExpression c => _builder.Constant(c.Value, c.Type),
        DefaultExpression d => d.Type == typeof(void) ? null : _builder.Constant(d.Type.IsValueType ? Activator.CreateInstance(d.Type) : null, d.Type),
        MemberExpression m => MemberAccess(m),
        IndexExpression i => Index(i),
        MethodCallExpression call => Call(call),
        UnaryExpression u => Unary(u),
        BinaryExpression b when b.NodeType == ExpressionType.Assign => Assign(b),
        BinaryExpression b => Binary(b),
        ConditionalExpression c => Conditional(c),
        BlockExpression block => Block(block),
        InvocationExpression invoke => throw Errors.DelegateInvoke(invoke),
        LambdaExpression => throw Errors.UnsupportedNode(node, "A lambda can only be differentiated where it is invoked."),
        LoopExpression loop => Loop(loop),
        NewArrayExpression array => NewLocalArray(array, name: null),
        GotoExpression or LabelExpression => throw Errors.UnsupportedNode(node,
            "Gotos and labels are supported only as a loop's break and continue, at the top level of its body."),
        _ => throw Errors.UnsupportedNode(node),
    };

    private Value Parameter(ParameterExpression p)
    {
        if (p == _inputParameter) return _input;
        if (_variables.TryGetValue(p, out var value)) return value;
        if (_declared.Contains(p)) return DefaultOf(p.Type); // read before any assignment: default(T)
        throw Errors.UnboundParameter(p);
    }

    private Value DefaultOf(Type type) => _builder.Constant(type.IsValueType ? Activator.CreateInstance(type) : null, type);

    private Value MemberAccess(MemberExpression node)
    {
        var instance = node.Expression is null ? null : Required(node.Expression);
        if (instance is { Active: true }) throw Errors.UnsupportedNode(node, "Members of differentiated values cannot be read.");
        if (node.Member is PropertyInfo { Name: "Length" } && instance is not null && instance.Type.IsArray)
            return _builder.ArrayLength(instance);
        if (instance == _input) throw Errors.WholeInput(node);
        // Fields are plain reads; property getters are code that may do anything, so they are not shared or hoisted.
        return _builder.Member(instance, node.Member, pure: node.Member is FieldInfo);
    }

    private Value Index(IndexExpression node)
    {
        var target = Required(node.Object!);
        var indices = node.Arguments.Select(Required).ToArray();
        if (node.Indexer is null) return ReadElement(target, indices);
        var getter = node.Indexer.GetGetMethod() ?? throw Errors.UnsupportedNode(node);
        return CallWithoutRule(getter, [target, .. indices], node);
    }

    private Value? Call(MethodCallExpression node)
    {
        // A LINQ query left by the lowering with a lambda in it would be refused for the lambda; name the operator instead.
        if (Errors.IsQueryWithLambdas(node)) throw Errors.UnsupportedLinq(node);
        var args = new List<Value>();
        if (node.Object is not null) args.Add(Required(node.Object));
        args.AddRange(node.Arguments.Select(Required));

        // Rectangular arrays read as data[i, j] compile to a call of the array's Get method.
        if (node.Object is not null && node.Object.Type.IsArray && node.Method.Name == "Get")
            return _builder.ArrayIndex(args[0], args.Skip(1).ToArray());

        if (node.Method == Lowering.Detached.Method) return _builder.Call(node.Method, args.ToArray(), pure: true, active: false);
        if (node.Method.IsStatic && RuleTable.TryGet(node.Method, out var rule))
        {
            var active = !rule.IsZero && args.Any(a => a.Active);
            return _builder.Call(node.Method, args.ToArray(), pure: true, active);
        }
        return node.Method.ReturnType == typeof(void) ? CallForEffect(node, args) : CallWithoutRule(node.Method, args.ToArray(), node);
    }

    private Value? CallForEffect(MethodCallExpression node, List<Value> args)
    {
        if (TryTranslateArgumentCheck(node, args)) return null;
        if (args.Any(a => a.Active || a == _input)) throw Errors.NoDerivativeRule(node.Method, node);
        _builder.Emit(OpKind.Call, typeof(void), args.ToArray(), active: false, token: null, pure: false, method: node.Method);
        return null;
    }

    /// <summary>
    /// A method without a derivative rule is fine when no derivative has to pass through it: its
    /// arguments do not depend on x, or it returns something that carries no derivative (an int, a bool).
    /// </summary>
    private Value CallWithoutRule(MethodInfo method, Value[] args, Expression node)
    {
        // The input array passed whole (x.Sum(), MyNorm(x)) carries derivatives just like an active double.
        if (args.Any(a => a.Active || a == _input) && CarriesDerivative(method.ReturnType))
            throw method.DeclaringType == typeof(Enumerable) && node is MethodCallExpression call ? Errors.UnsupportedLinq(call) : Errors.NoDerivativeRule(method, node);
        return _builder.Call(method, args, pure: false, active: false);
    }

    /// <summary>The input array may only be indexed, measured, or compared; anything else would hide its derivative.</summary>
    private void RefuseWholeInput(Value value, Expression node)
    {
        if (value == _input) throw Errors.WholeInput(node);
    }

    private static bool CarriesDerivative(Type type)
        => type == typeof(double) || type == typeof(float) || type == typeof(decimal) || type == typeof(Half)
           || !type.IsPrimitive && type != typeof(bool) && !type.IsEnum;
}
