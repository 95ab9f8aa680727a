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
/// <remarks>
/// Several directions can be carried at once (a Jacobian's columns in batches): each value then has one tangent per
/// direction, and the partials, computed once, serve them all, so a pass costs the function and its partials once
/// rather than once per direction.
/// </remarks>
internal sealed class TangentSweep
{
    private readonly IrBuilder _builder;
    private readonly Value _input;
    private readonly Value[] _directions;
    private readonly Dictionary<Value, Value?[]> _tangents = [];

    private TangentSweep(IrBuilder builder, Value input, Value[] directions)
    {
        _builder = builder;
        _input = input;
        _directions = directions;
    }

    /// <summary>How many directions are carried.</summary>
    private int Width => _directions.Length;

    /// <summary>Inserts tangent code into <paramref name="builder"/>'s root block; returns the tangent of <paramref name="result"/> (null: zero).</summary>
    public static Value? Run(IrBuilder builder, Value input, Value direction, Value result)
        => Run(builder, input, direction, [result])[0];

    /// <summary>As <see cref="Run(IrBuilder, Value, Value, Value)"/>, for several results (a vector function's outputs).</summary>
    public static Value?[] Run(IrBuilder builder, Value input, Value direction, IReadOnlyList<Value> results)
        => Run(builder, input, [direction], results).Select(tangents => tangents[0]).ToArray();

    /// <summary>
    /// As <see cref="Run(IrBuilder, Value, Value, IReadOnlyList{Value})"/>, for several directions at once: for each result,
    /// its tangent along each direction (null: zero; for a local array returned by a vector function, its tangent array).
    /// </summary>
    public static Value?[][] Run(IrBuilder builder, Value input, Value[] directions, IReadOnlyList<Value> results)
    {
        var sweep = new TangentSweep(builder, input, directions);
        builder.Algebraic = true;
        MarkPending(builder.Root, builder.Pending);
        sweep.Rewrite(builder.Root);
        builder.Pending.Clear();
        builder.Algebraic = false;
        builder.Current = builder.Root;
        return results.Select(r => sweep._tangents.TryGetValue(r, out var tangents) ? tangents
            : sweep._tangentArrays.TryGetValue(r, out var arrays) ? [.. arrays] : new Value?[directions.Length]).ToArray();
    }

    private Value? TangentOf(Value value, int k) => _tangents.TryGetValue(value, out var tangents) ? tangents[k] : null;

    private bool HasTangent(Value value) => _tangents.TryGetValue(value, out var tangents) && tangents.Any(t => t is not null);

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
                    if (_tangentArrays.TryGetValue(store.Array, out var tangentArrays))
                        for (var k = 0; k < Width; k++)
                            block.Instructions.Add(new StoreElementInstr(tangentArrays[k], store.Index, TangentOf(store.Value, k) ?? _builder.Double(0)));
                    break;
                case ClearArrayInstr clear:
                    block.Instructions.Add(clear);
                    if (_tangentArrays.TryGetValue(clear.Array, out var clearedTangents))
                        foreach (var cleared in clearedTangents) block.Instructions.Add(new ClearArrayInstr(cleared));
                    break;
                case ExitInstr exit:
                    var loopCarried = _exitExtension!;
                    var values = exit.Values.Concat(loopCarried.SelectMany(c => Enumerable.Range(0, Width)
                        .Select(k => TangentOf(exit.Values[c.Index], k) ?? _builder.Double(0)))).ToArray();
                    block.Instructions.Add(new ExitInstr(exit.Condition, values));
                    break;
                default:
                    block.Instructions.Add(instr);
                    break;
            }
        }
    }

    private readonly Dictionary<Value, Value[]> _tangentArrays = [];

    private void TangentOfOp(Op op)
    {
        // A local array has a tangent array beside it (one per direction); loads and stores mirror into it.
        if (op.Kind == OpKind.NewArray)
        {
            _tangentArrays[op.Result] = Enumerable.Range(0, Width)
                .Select(k => _builder.NewArray(op.Args[0], active: true, $"{op.ConstantValue}Dot{(Width == 1 ? "" : k)}")).ToArray();
            return;
        }
        if (op.Kind == OpKind.LoadElement)
        {
            if (_tangentArrays.TryGetValue(op.Args[0], out var tangentArrays))
                _tangents[op.Result] = tangentArrays.Select(array => (Value?)_builder.LoadElement(array, op.Args[1])).ToArray();
            return;
        }
        if (op.Kind == OpKind.ArrayIndex)
        {
            if (op.Args[0] == _input) _tangents[op.Result] = _directions.Select(direction => (Value?)_builder.ArrayIndex(direction, op.Args[1..])).ToArray();
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
        if (!op.Args.Any(a => a.Active && HasTangent(a))) return;
        var partials = rule.Partials(_builder, op.Args, op.Result);
        var sums = new Value?[Width];
        for (var k = 0; k < Width; k++)
        {
            Value? sum = null;
            for (var i = 0; i < op.Args.Length; i++)
            {
                if (partials[i] is not { } partial || !op.Args[i].Active || TangentOf(op.Args[i], k) is not { } argTangent) continue;
                var term = _builder.Multiply(partial, argTangent);
                sum = sum is null ? term : _builder.Add(sum, term);
            }
            sums[k] = sum;
        }
        if (sums.Any(s => s is not null)) _tangents[op.Result] = sums;
    }

    private void RewriteIf(IfInstr branch)
    {
        Rewrite(branch.WhenTrue);
        Rewrite(branch.WhenFalse);
        foreach (var join in branch.Joins.ToList())
        {
            if (!HasTangent(join.WhenTrue) && !HasTangent(join.WhenFalse)) continue;
            var tangents = new Value?[Width];
            for (var k = 0; k < Width; k++)
            {
                var whenTrue = TangentOf(join.WhenTrue, k);
                var whenFalse = TangentOf(join.WhenFalse, k);
                if (whenTrue is null && whenFalse is null) continue;
                var tangent = _builder.NewValue(typeof(double), active: true, join.Result.Block);
                branch.Joins.Add(new Join(tangent, whenTrue ?? _builder.Double(0), whenFalse ?? _builder.Double(0)));
                tangents[k] = tangent;
            }
            _tangents[join.Result] = tangents;
        }
    }

    private List<(Carried Carried, int Index)>? _exitExtension;

    /// <summary>
    /// Each active carried value gets a carried tangent beside it per direction (its head, next and exit values); so does one
    /// that only becomes active as it leaves the loop (its tangent is zero until an exit hands out an active value).
    /// </summary>
    private void RewriteLoop(LoopInstr loop)
    {
        var active = loop.Carried.Select((c, i) => (Carried: c, Index: i)).Where(p => p.Carried.Differentiated).ToList();
        var tangentCarried = new List<Carried>();
        foreach (var (carried, _) in active)
        {
            var heads = new Value?[Width];
            for (var k = 0; k < Width; k++)
            {
                var head = _builder.NewValue(typeof(double), active: true, loop.Body);
                tangentCarried.Add(new Carried(carried.Name + "Dot" + (Width == 1 ? "" : k.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    TangentOf(carried.Init, k) ?? _builder.Double(0), head));
                heads[k] = head;
            }
            _tangents[carried.Head] = heads;
        }
        var savedExtension = _exitExtension;
        _exitExtension = active;
        Rewrite(loop.Body);
        _exitExtension = savedExtension;
        for (var a = 0; a < active.Count; a++)
        {
            var afters = new Value?[Width];
            for (var k = 0; k < Width; k++)
            {
                var tangent = tangentCarried[a * Width + k];
                tangent.Next = TangentOf(active[a].Carried.Next, k) ?? _builder.Double(0);
                tangent.After = _builder.NewValue(typeof(double), active: true, active[a].Carried.After.Block);
                afters[k] = tangent.After;
            }
            _tangents[active[a].Carried.After] = afters;
        }
        loop.Carried.AddRange(tangentCarried);
    }
}
