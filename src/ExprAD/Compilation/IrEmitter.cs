using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// Writes the intermediate form back as an expression tree for <c>Compile()</c>: one local per value
/// that is used more than once (or is too deep to inline), every other pure value written inline at its
/// single use, unused pure values dropped. All locals are declared at the top, so a value computed in a
/// forward branch is still there for the reverse branch that runs on the same path.
/// </summary>
internal sealed class IrEmitter
{
    // Inlining single-use values rebuilds expression nesting; capping it keeps the emitted tree shallow
    // (Compile() recurses over it) however deep the input was.
    private const int MaxInlineDepth = 24;

    private readonly Dictionary<Value, int> _uses = [];
    private readonly Dictionary<Value, int> _inlineDepth = [];
    private readonly HashSet<Value> _inlined = [];
    private readonly HashSet<Value> _dead = [];
    private readonly Dictionary<Value, ParameterExpression> _locals = [];
    private readonly Dictionary<Accumulator, ParameterExpression> _accumulators = [];
    private readonly ParameterExpression _input;
    private readonly ParameterExpression? _gradient;

    private IrEmitter(ParameterExpression input, ParameterExpression? gradient)
    {
        _input = input;
        _gradient = gradient;
    }

    public IEnumerable<ParameterExpression> Variables => _locals.Values.Concat(_accumulators.Values);

    /// <summary>Emits <paramref name="blocks"/> in order, followed by <paramref name="result"/>.</summary>
    public static (List<ParameterExpression> Variables, List<Expression> Statements, Expression Result) Run(
        ParameterExpression input, ParameterExpression? gradient, IReadOnlyList<Block> blocks, Value result)
    {
        var emitter = new IrEmitter(input, gradient);
        emitter.CountUses(blocks, result);
        emitter.RemoveDeadCode(blocks);
        foreach (var block in blocks) emitter.PlanInlining(block);
        emitter.FindSoleGradientWrites(blocks);
        var statements = new List<Expression>();
        foreach (var block in blocks) emitter.EmitInstructions(block, statements);
        var resultExpression = emitter.ValueOf(result);
        return (emitter.Variables.ToList(), statements, resultExpression);
    }

    private void CountUses(IReadOnlyList<Block> blocks, Value result)
    {
        foreach (var block in blocks) ForEachInstruction(block, instr => { foreach (var used in UsedBy(instr)) Use(used); });
        Use(result);
    }

    private void Use(Value value) => _uses[value] = _uses.GetValueOrDefault(value) + 1;

    private static IEnumerable<Value> UsedBy(Instr instr) => instr switch
    {
        Op op => op.Args,
        IfInstr branch => branch.Joins.SelectMany(j => new[] { j.WhenTrue, j.WhenFalse }).Prepend(branch.Condition),
        AccumulateInstr accumulate => [accumulate.Term],
        GradientAddInstr add => [add.Index, add.Term],
        _ => [],
    };

    private static void ForEachInstruction(Block block, Action<Instr> action)
    {
        StackGuard.Check();
        foreach (var instr in block.Instructions)
        {
            action(instr);
            if (instr is IfInstr branch)
            {
                ForEachInstruction(branch.WhenTrue, action);
                ForEachInstruction(branch.WhenFalse, action);
            }
        }
    }

    /// <summary>Drops pure ops nobody uses, and then whatever only they used.</summary>
    private void RemoveDeadCode(IReadOnlyList<Block> blocks)
    {
        var work = new Stack<Op>();
        foreach (var block in blocks)
            ForEachInstruction(block, instr => { if (instr is Op { Pure: true } op && _uses.GetValueOrDefault(op.Result) == 0) work.Push(op); });
        while (work.Count > 0)
        {
            var op = work.Pop();
            if (!_dead.Add(op.Result)) continue;
            foreach (var arg in op.Args)
                if (--_uses[arg] == 0 && arg.Definition is { Pure: true } argOp) work.Push(argOp);
        }
    }

    /// <summary>
    /// A constant-index gradient entry that receives exactly one term, outside any branch, is assigned
    /// rather than added to: the store does not have to wait for a load of the zero written just before.
    /// </summary>
    private void FindSoleGradientWrites(IReadOnlyList<Block> blocks)
    {
        var writesPerIndex = new Dictionary<int, int>();
        var unknownIndex = false;
        foreach (var block in blocks)
            ForEachInstruction(block, instr =>
            {
                if (instr is not GradientAddInstr add) return;
                if (add.Index.ConstantValue is int k) writesPerIndex[k] = writesPerIndex.GetValueOrDefault(k) + 1;
                else unknownIndex = true;
            });
        if (unknownIndex) return; // a computed index may alias any constant one
        foreach (var block in blocks)
            foreach (var instr in block.Instructions)
                if (instr is GradientAddInstr { Index.ConstantValue: int k } add && writesPerIndex[k] == 1)
                    _soleGradientWrites.Add(add);
    }

    private readonly HashSet<GradientAddInstr> _soleGradientWrites = [];

    private void PlanInlining(Block block)
    {
        ForEachInstruction(block, instr =>
        {
            if (instr is not Op op || _dead.Contains(op.Result)) return;
            var depth = 1 + op.Args.Select(a => _inlineDepth.GetValueOrDefault(a)).DefaultIfEmpty(0).Max();
            var inlinable = op.Pure && _uses.GetValueOrDefault(op.Result) == 1 && depth <= MaxInlineDepth
                            && op.Kind is not (OpKind.Input or OpKind.Constant or OpKind.Member) && op.Result.Block != null;
            if (inlinable)
            {
                _inlined.Add(op.Result);
                _inlineDepth[op.Result] = depth;
            }
        });
    }

    private void EmitInstructions(Block block, List<Expression> statements)
    {
        StackGuard.Check();
        foreach (var instr in block.Instructions)
        {
            switch (instr)
            {
                case Op op when op.Kind is OpKind.Input || _dead.Contains(op.Result) || _inlined.Contains(op.Result):
                    break;
                case Op { Result.Type: var type } op when type == typeof(void):
                    statements.Add(Build(op));
                    break;
                case Op op:
                    statements.Add(Expression.Assign(LocalOf(op.Result), Build(op)));
                    break;
                case IfInstr branch:
                    statements.Add(EmitIf(branch));
                    break;
                case AccumulateInstr accumulate:
                    statements.Add(Expression.AddAssign(AccumulatorOf(accumulate.Accumulator), ValueOf(accumulate.Term)));
                    break;
                case ResetAccumulatorInstr reset:
                    statements.Add(Expression.Assign(AccumulatorOf(reset.Accumulator), Expression.Constant(0.0)));
                    break;
                case GradientAddInstr add:
                    var entry = Expression.ArrayAccess(_gradient!, ValueOf(add.Index));
                    statements.Add(_soleGradientWrites.Contains(add)
                        ? Expression.Assign(entry, ValueOf(add.Term))
                        : Expression.AddAssign(entry, ValueOf(add.Term)));
                    break;
            }
        }
    }

    private Expression EmitIf(IfInstr branch)
    {
        Expression Side(Block block, Func<Join, Value> pick)
        {
            var statements = new List<Expression>();
            EmitInstructions(block, statements);
            foreach (var join in branch.Joins)
                if (_uses.GetValueOrDefault(join.Result) > 0)
                    statements.Add(Expression.Assign(LocalOf(join.Result), ValueOf(pick(join))));
            return statements.Count == 0 ? Expression.Empty() : Expression.Block(typeof(void), statements);
        }
        var whenTrue = Side(branch.WhenTrue, j => j.WhenTrue);
        var whenFalse = Side(branch.WhenFalse, j => j.WhenFalse);
        return Expression.IfThenElse(ValueOf(branch.Condition), whenTrue, whenFalse);
    }

    private ParameterExpression LocalOf(Value value)
    {
        if (!_locals.TryGetValue(value, out var local))
            _locals[value] = local = Expression.Variable(value.Type, value.Active ? $"v{value.Id}" : $"c{value.Id}");
        return local;
    }

    private ParameterExpression AccumulatorOf(Accumulator accumulator)
    {
        if (!_accumulators.TryGetValue(accumulator, out var local))
            _accumulators[accumulator] = local = Expression.Variable(typeof(double), $"adj{accumulator.Target.Id}");
        return local;
    }

    /// <summary>The expression that reads <paramref name="value"/> at a use.</summary>
    private Expression ValueOf(Value value)
    {
        if (value.ReadsAccumulator is { } accumulator) return AccumulatorOf(accumulator);
        if (value.Definition is { Kind: OpKind.Input }) return _input;
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
            OpKind.Convert => Expression.Convert(Arg(0), op.Type!),
            OpKind.Call when op.Method!.IsStatic => Expression.Call(op.Method, op.Args.Select(ValueOf)),
            OpKind.Call => Expression.Call(Arg(0), op.Method, op.Args.Skip(1).Select(ValueOf)),
            OpKind.ArrayIndex when op.Args.Length == 2 => Expression.ArrayIndex(Arg(0), Arg(1)),
            OpKind.ArrayIndex => Expression.ArrayAccess(Arg(0), op.Args.Skip(1).Select(ValueOf)),
            OpKind.Member => Expression.MakeMemberAccess(op.Args.Length == 0 ? null : Arg(0), op.Member!),
            OpKind.Select => Expression.Condition(Arg(0), Arg(1), Arg(2)),
            _ => throw new InvalidOperationException($"ExprAD internal error: cannot emit op kind {op.Kind}."),
        };
    }
}
