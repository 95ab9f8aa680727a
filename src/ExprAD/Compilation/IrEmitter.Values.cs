using System.Linq.Expressions;
using ExprAD.Ir;

namespace ExprAD.Compilation;

internal sealed partial class IrEmitter
{
    private ParameterExpression LocalOf(Value value)
    {
        if (!_locals.TryGetValue(value, out var local))
            _locals[value] = local = Expression.Variable(value.Type, value.Active ? $"t{value.Id}" : $"c{value.Id}");
        return local;
    }

    private ParameterExpression VariableOf(MutableVariable variable)
    {
        if (!_variables.TryGetValue(variable, out var local))
            _variables[variable] = local = Expression.Variable(variable.Type, variable.Name);
        return local;
    }

    /// <summary>The expression that reads <paramref name="value"/> at a use.</summary>
    private Expression ValueOf(Value value)
    {
        if (value.Definition is { Kind: OpKind.Input } input) return input.Leaf!;
        if (value.Definition is { Kind: OpKind.Constant } constant && IrBuilder.IsInlineConstant(value.Type))
            return Expression.Constant(constant.ConstantValue, value.Type);
        if (_inlined.Contains(value)) return Build(value.Definition!);
        return LocalOf(value);
    }

    private Expression Build(Op op)
    {
        Expression Arg(int i) => ValueOf(op.Args[i]);
        return op.Kind switch
        {
            OpKind.Constant => Expression.Constant(op.ConstantValue, op.Result.Type),
            OpKind.Leaf => op.Leaf!,
            OpKind.Unary when op.NodeType == ExpressionType.ArrayLength => Expression.ArrayLength(Arg(0)),
            OpKind.Unary => Expression.MakeUnary(op.NodeType, Arg(0), op.Result.Type),
            OpKind.Binary => Expression.MakeBinary(op.NodeType, Arg(0), Arg(1)),
            OpKind.Convert when op.NodeType == ExpressionType.ConvertChecked => Expression.ConvertChecked(Arg(0), op.Type!),
            OpKind.Convert => Expression.Convert(Arg(0), op.Type!),
            OpKind.Call when op.Method == Lowering.Detached.Method => Arg(0),
            OpKind.Call when op.Method!.IsStatic => Expression.Call(op.Method, op.Args.Select(ValueOf)),
            OpKind.Call => Expression.Call(Arg(0), op.Method, op.Args.Skip(1).Select(ValueOf)),
            OpKind.ArrayIndex when op.Args.Length == 2 => Expression.ArrayIndex(Arg(0), Arg(1)),
            OpKind.ArrayIndex => Expression.ArrayAccess(Arg(0), op.Args.Skip(1).Select(ValueOf)),
            OpKind.Member => Expression.MakeMemberAccess(op.Args.Length == 0 ? null : Arg(0), op.Member!),
            OpKind.Select => Expression.Condition(Arg(0), Arg(1), Arg(2)),
            OpKind.ReadVariable => VariableOf(op.Variable!),
            OpKind.NewArray => _reuseArrays ? Expression.Call(_tape!, RentArrayMethod, Arg(0)) : Expression.NewArrayBounds(typeof(double), Arg(0)),
            OpKind.LoadElement => Expression.ArrayIndex(Arg(0), Arg(1)),
            OpKind.TapePop => FromTape(Tape.PopExpression(_tape!), op.Result.Type),
            _ => throw new InvalidOperationException($"ExprAD internal error: cannot emit op kind {op.Kind}."),
        };
    }
}
