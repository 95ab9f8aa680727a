using ExprAD.Diagnostics;
using ExprAD.Ir;
using ExprAD.Rules;

namespace ExprAD.Differentiation;

/// <summary>
/// Forward mode on the intermediate form: after every active op it inserts the op's tangent,
/// <c>resultdot = sum partial_i * argdot_i</c>, from the same rule table as reverse mode; a read x[i]
/// has tangent direction[i]. Ifs join their tangents like their values; loops carry them.
/// A zero tangent is the absence of a value, so inactive code costs nothing.
/// </summary>
internal sealed class TangentSweep
{
    private readonly IrBuilder _builder;
    private readonly Value _input;
    private readonly Value _direction;
    private readonly Dictionary<Value, Value> _tangents = [];

    private TangentSweep(IrBuilder builder, Value input, Value direction)
    {
        _builder = builder;
        _input = input;
        _direction = direction;
    }

    /// <summary>Inserts tangent code into <paramref name="builder"/>'s root block; returns the tangent of <paramref name="result"/> (null: zero).</summary>
    public static Value? Run(IrBuilder builder, Value input, Value direction, Value result)
        => Run(builder, input, direction, [result])[0];

    /// <summary>As <see cref="Run(IrBuilder, Value, Value, Value)"/>, for several results (a vector function's outputs).</summary>
    public static Value?[] Run(IrBuilder builder, Value input, Value direction, IReadOnlyList<Value> results)
    {
        var sweep = new TangentSweep(builder, input, direction);
        builder.Algebraic = true;
        MarkPending(builder.Root, builder.Pending);
        sweep.Rewrite(builder.Root);
        builder.Pending.Clear();
        builder.Algebraic = false;
        builder.Current = builder.Root;
        // A local array returned by a vector function has a tangent array rather than a tangent.
        return results.Select(r => sweep.TangentOf(r) ?? sweep._tangentArrays.GetValueOrDefault(r)).ToArray();
    }

    private Value? TangentOf(Value value) => _tangents.GetValueOrDefault(value);

    /// <summary>Every op of the forward code is pending until <see cref="Rewrite"/> puts it back in order.</summary>
    private static void MarkPending(Block block, HashSet<Value> pending)
        => pending.UnionWith(Blocks.AllInstructions(block).OfType<Op>().Select(op => op.Result));

    /// <summary>Rebuilds the block's instruction list with tangent code after each instruction that needs it.</summary>
    private void Rewrite(Block block)
    {
        StackGuard.Check();
        var original = block.Instructions.ToList();
        block.Instructions.Clear();
        _builder.Current = block;
        foreach (var instr in original)
        {
            switch (instr)
            {
                case Op op:
                    block.Instructions.Add(op);
                    _builder.Pending.Remove(op.Result);
                    if (op.Result.Active) TangentOfOp(op);
                    break;
                case IfInstr branch:
                    block.Instructions.Add(branch);
                    RewriteIf(branch);
                    _builder.Current = block;
                    break;
                case LoopInstr loop:
                    block.Instructions.Add(loop);
                    RewriteLoop(loop);
                    _builder.Current = block;
                    break;
                case StoreElementInstr store:
                    block.Instructions.Add(store);
                    if (_tangentArrays.TryGetValue(store.Array, out var tangentArray))
                        block.Instructions.Add(new StoreElementInstr(tangentArray, store.Index, TangentOf(store.Value) ?? _builder.Double(0)));
                    break;
                case ClearArrayInstr clear:
                    block.Instructions.Add(clear);
                    if (_tangentArrays.TryGetValue(clear.Array, out var clearedTangent)) block.Instructions.Add(new ClearArrayInstr(clearedTangent));
                    break;
                case ExitInstr exit:
                    var loopCarried = _exitExtension!;
                    var values = exit.Values.Concat(loopCarried.Select(c => _tangents.GetValueOrDefault(exit.Values[c.Index]) ?? _builder.Double(0))).ToArray();
                    block.Instructions.Add(new ExitInstr(exit.Condition, values));
                    break;
                default:
                    block.Instructions.Add(instr);
                    break;
            }
        }
    }

    private readonly Dictionary<Value, Value> _tangentArrays = [];

    private void TangentOfOp(Op op)
    {
        // A local array has a tangent array beside it; loads and stores mirror into it.
        if (op.Kind == OpKind.NewArray)
        {
            _tangentArrays[op.Result] = _builder.NewArray(op.Args[0], active: true, $"{op.ConstantValue}Dot");
            return;
        }
        if (op.Kind == OpKind.LoadElement)
        {
            if (_tangentArrays.TryGetValue(op.Args[0], out var tangentArray)) _tangents[op.Result] = _builder.LoadElement(tangentArray, op.Args[1]);
            return;
        }
        if (op.Kind == OpKind.ArrayIndex)
        {
            if (op.Args[0] == _input) _tangents[op.Result] = _builder.ArrayIndex(_direction, op.Args[1..]);
            return;
        }
        var rule = op.Kind switch
        {
            OpKind.Unary or OpKind.Binary => RuleTable.ForOperator(op.NodeType),
            OpKind.Select => RuleTable.ForOperator(System.Linq.Expressions.ExpressionType.Conditional),
            OpKind.Call when RuleTable.TryGet(op.Method!, out var found) => found,
            _ => null,
        } ?? throw new InvalidOperationException($"ExprAD internal error: no derivative rule for active op {op.Kind} {op.NodeType}.");
        if (rule.Partials is null) return;
        if (!op.Args.Any(a => a.Active && TangentOf(a) is not null)) return;
        var partials = rule.Partials(_builder, op.Args, op.Result);
        Value? sum = null;
        for (var i = 0; i < op.Args.Length; i++)
        {
            if (partials[i] is not { } partial || !op.Args[i].Active || TangentOf(op.Args[i]) is not { } argTangent) continue;
            var term = _builder.Multiply(partial, argTangent);
            sum = sum is null ? term : _builder.Add(sum, term);
        }
        if (sum is not null) _tangents[op.Result] = sum;
    }

    private void RewriteIf(IfInstr branch)
    {
        Rewrite(branch.WhenTrue);
        Rewrite(branch.WhenFalse);
        foreach (var join in branch.Joins.ToList())
        {
            var whenTrue = TangentOf(join.WhenTrue);
            var whenFalse = TangentOf(join.WhenFalse);
            if (whenTrue is null && whenFalse is null) continue;
            var tangent = _builder.NewValue(typeof(double), active: true, join.Result.Block);
            branch.Joins.Add(new Join(tangent, whenTrue ?? _builder.Double(0), whenFalse ?? _builder.Double(0)));
            _tangents[join.Result] = tangent;
        }
    }

    private List<(Carried Carried, int Index)>? _exitExtension;

    /// <summary>
    /// Each active carried value gets a carried tangent beside it (its head, next and exit values); so does one that only
    /// becomes active as it leaves the loop (its tangent is zero until an exit hands out an active value).
    /// </summary>
    private void RewriteLoop(LoopInstr loop)
    {
        var active = loop.Carried.Select((c, i) => (Carried: c, Index: i)).Where(p => p.Carried.Differentiated).ToList();
        var tangentCarried = new List<Carried>();
        foreach (var (carried, _) in active)
        {
            var head = _builder.NewValue(typeof(double), active: true, loop.Body);
            var tangent = new Carried(carried.Name + "Dot", TangentOf(carried.Init) ?? _builder.Double(0), head);
            _tangents[carried.Head] = head;
            tangentCarried.Add(tangent);
        }
        var savedExtension = _exitExtension;
        _exitExtension = active;
        Rewrite(loop.Body);
        _exitExtension = savedExtension;
        for (var k = 0; k < active.Count; k++)
        {
            tangentCarried[k].Next = TangentOf(active[k].Carried.Next) ?? _builder.Double(0);
            tangentCarried[k].After = _builder.NewValue(typeof(double), active: true, active[k].Carried.After.Block);
            _tangents[active[k].Carried.After] = tangentCarried[k].After;
        }
        loop.Carried.AddRange(tangentCarried);
    }
}
