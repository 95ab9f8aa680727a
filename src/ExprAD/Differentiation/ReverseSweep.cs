using ExprAD.Diagnostics;
using ExprAD.Ir;
using ExprAD.Rules;

namespace ExprAD.Differentiation;

/// <summary>
/// Reverse mode on the intermediate form: walks the forward code backwards and, for each active op,
/// turns the adjoint of its result into terms for its arguments' adjoints (<c>argbar += partial * resultbar</c>)
/// using the rule table. Adjoint terms are kept as lists and summed once, where the value is defined,
/// so a value used once costs no addition and a zero derivative costs nothing at all.
/// </summary>
internal sealed partial class ReverseSweep
{
    private readonly IrBuilder _builder;
    private readonly Dictionary<Value, List<Value>> _terms = [];
    private readonly Dictionary<Value, MutableVariable> _accumulators = [];
    private readonly Dictionary<Block, Block> _reverseOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<(Block Block, MutableVariable Accumulator)> _zeroedAtStart = [];

    private ReverseSweep(IrBuilder builder) => _builder = builder;

    /// <summary>Builds the reverse sweep of <paramref name="builder"/>'s root block seeded with d result = 1.</summary>
    /// <remarks><paramref name="startStateReplays"/>: plan start-state replays (see <see cref="WithStartStateFallback{T}"/>).</remarks>
    public static Block Run(IrBuilder builder, Value result, bool startStateReplays)
        => Run(builder, result.Active, sweep => sweep.AddTerm(result, builder.Double(1)), escaping: null, startStateReplays);

    /// <summary>
    /// The reverse sweep seeded with d array[index] = 1, for a vector function that returns a local array:
    /// it gives row <paramref name="index"/> of the Jacobian.
    /// </summary>
    public static Block RunSeededElement(IrBuilder builder, Value array, Value index, bool startStateReplays)
        => Run(builder, array.Active, sweep =>
            builder.Current.Instructions.Add(new StoreElementInstr(sweep._adjointArrays[array], index, builder.Double(1))), escaping: array,
            startStateReplays);

    // escaping: a local array the caller reads after the function returns (never treated as scratch).
    private static Block Run(IrBuilder builder, bool seeded, Action<ReverseSweep> seed, Value? escaping, bool startStateReplays)
    {
        var sweep = new ReverseSweep(builder) { _startStateReplays = startStateReplays };
        var reverseRoot = new Block(builder.Root);
        builder.Current = reverseRoot;
        builder.Algebraic = true;
        sweep._reverseOf[builder.Root] = reverseRoot;
        sweep._arrayOrder = ArrayOrder.Of(builder.Root);
        sweep._scratch = ScratchArrays.Of(builder.Root, escaping);
        sweep.CreateAdjointArrays(builder.Root);
        if (seeded)
        {
            seed(sweep);
            sweep.Reverse(builder.Root);
        }
        // Inserted last: blocks are walked by index while the sweep is built.
        foreach (var (block, accumulator) in sweep._zeroedAtStart)
            block.Instructions.Insert(0, new AssignVariableInstr(accumulator, builder.Double(0)));
        GradientWindows.Apply(builder, builder.Root);
        GradientWindows.Apply(builder, reverseRoot);
        builder.Current = builder.Root;
        builder.Algebraic = false;
        return reverseRoot;
    }

    private void Reverse(Block forward) => Reverse(forward, 0, forward.Instructions.Count);

    /// <summary>Reverses instructions [start, end) of <paramref name="forward"/>, last first.</summary>
    private void Reverse(Block forward, int start, int end)
    {
        StackGuard.Check();
        for (var i = end - 1; i >= start; i--)
        {
            switch (forward.Instructions[i])
            {
                case Op { Result.Active: true } op:
                    ReverseOp(op);
                    break;
                case TapedCallInstr { Result.Active: true } taped:
                    ReverseOp(taped.AsOp());
                    break;
                case IfInstr branch:
                    ReverseIf(branch);
                    break;
                case LoopInstr loop:
                    ReverseLoop(loop, forward);
                    break;
                case StoreElementInstr store:
                    ReverseStore(store);
                    break;
                case ClearArrayInstr clear:
                    ReverseClear(clear);
                    break;
                case ReplayInstr replay:
                    ReverseReplay(replay);
                    break;
            }
        }
    }

    private void ReverseOp(Op op)
    {
        if (op.Kind == OpKind.LoadElement)
        {
            ReverseLoad(op);
            return;
        }
        if (op.Kind == OpKind.NewArray) return;
        if (TakeAdjoint(op.Result) is not { } adjoint) return;
        if (op.Kind == OpKind.ArrayIndex)
        {
            // A read of x[i]: its adjoint is the gradient entry i.
            _builder.Current.Instructions.Add(new GradientAddInstr(op.Args[1], adjoint));
            return;
        }
        var rule = RuleFor(op);
        if (rule.Partials is null) return;
        var partials = _readBacks.Count == 0
            ? rule.Partials(_builder, op.Args, op.Result)
            : rule.Partials(_builder, [.. op.Args.Select(ForPartials)], ForPartials(op.Result));
        for (var i = 0; i < op.Args.Length; i++)
            if (partials[i] is { } partial && op.Args[i].Active)
                AddTerm(op.Args[i], _builder.Multiply(partial, adjoint));
    }

    private static DerivativeRule RuleFor(Op op)
    {
        var rule = op.Kind switch
        {
            OpKind.Unary or OpKind.Binary => RuleTable.ForOperator(op.NodeType),
            OpKind.Select => RuleTable.ForOperator(System.Linq.Expressions.ExpressionType.Conditional),
            OpKind.Call when RuleTable.TryGet(op.Method!, out var found) => found,
            _ => null,
        };
        // The translator refuses active ops without a rule, so reaching this is a bug in ExprAD itself.
        return rule ?? throw new InvalidOperationException($"ExprAD internal error: no derivative rule for active op {op.Kind} {op.NodeType} {op.Method?.Name}.");
    }

    private void ReverseIf(IfInstr branch)
    {
        var joinAdjoints = branch.Joins
            .Where(j => j.Result.Active)
            .Select(j => (Join: j, Adjoint: TakeAdjoint(j.Result)))
            .Where(x => x.Adjoint is not null)
            .ToList();

        var outer = _builder.Current;
        var reverseTrue = ReverseBranch(branch.WhenTrue, outer, joinAdjoints.Select(x => (x.Join.WhenTrue, x.Adjoint!)));
        var reverseFalse = ReverseBranch(branch.WhenFalse, outer, joinAdjoints.Select(x => (x.Join.WhenFalse, x.Adjoint!)));
        _builder.Current = outer;
        if (reverseTrue.Instructions.Count > 0 || reverseFalse.Instructions.Count > 0)
            outer.Instructions.Add(new IfInstr(branch.Condition, reverseTrue, reverseFalse));
    }

    private Block ReverseBranch(Block forward, Block outer, IEnumerable<(Value Target, Value Adjoint)> seeds)
    {
        // The reverse branch runs after the forward branch on the same path, so it sees the forward branch's values.
        var reverse = new Block(outer, forward);
        _reverseOf[forward] = reverse;
        _builder.Current = reverse;
        foreach (var (target, adjoint) in seeds)
            if (target.Active) AddTerm(target, adjoint);
        Reverse(forward);
        return reverse;
    }

    private void AddTerm(Value target, Value term)
    {
        if (!target.Active) return; // constants and values that do not depend on x have no adjoint
        if (_reverseOf.TryGetValue(target.Block, out var home) && home == _builder.Current)
        {
            if (!_terms.TryGetValue(target, out var list)) _terms[target] = list = [];
            list.Add(term);
            return;
        }
        // The target was defined outside the block being reversed: its adjoint is summed later, in an
        // enclosing block that cannot see this term, so the term goes through a mutable accumulator,
        // zeroed where the target's own block begins: before any code that may add to it (a loop whose
        // reverse is fused into its forward sweep adds during the forward sweep), once per iteration in loops.
        if (!_accumulators.TryGetValue(target, out var accumulator))
        {
            _accumulators[target] = accumulator = _builder.NewVariable(typeof(double), $"adj{target.Id}");
            _zeroedAtStart.Add((target.Block, accumulator));
        }
        _builder.Current.Instructions.Add(new AccumulateInstr(accumulator, term));
    }

    /// <summary>The adjoint of <paramref name="value"/>: the sum of its terms, or null when it is zero.</summary>
    private Value? TakeAdjoint(Value value)
    {
        var terms = _terms.Remove(value, out var list) ? list : [];
        if (_accumulators.TryGetValue(value, out var accumulator)) terms.Add(_builder.ReadVariable(accumulator));
        if (terms.Count == 0) return null;
        // -a - b - c as -(a + b + c): one negation, which the emitter folds into x -= ... where the sum is added.
        if (terms.Count > 1 && terms.All(t => t.Definition is { Kind: OpKind.Unary, NodeType: System.Linq.Expressions.ExpressionType.Negate }))
            return _builder.Negate(SumBalanced(terms.Select(t => t.Definition!.Args[0]).ToList(), 0, terms.Count));
        return SumBalanced(terms, 0, terms.Count);
    }

    // A balanced sum keeps the emitted tree shallow and rounding no worse than a left-to-right sum.
    private Value SumBalanced(List<Value> terms, int start, int count)
        => count == 1 ? terms[start] : _builder.Add(SumBalanced(terms, start, count / 2), SumBalanced(terms, start + count / 2, count - count / 2));
}
