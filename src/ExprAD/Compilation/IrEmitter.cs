using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Compilation;

/// <summary>
/// Writes the intermediate form back as an expression tree for <c>Compile()</c>: one local per value
/// that is used more than once (or is too deep to inline), every other pure value written inline at its
/// single use (never moved into a loop), unused values dropped, tape pushes kept only where a pop is
/// used. All locals are declared at the top, so a value computed in a forward branch is still there
/// for the reverse branch that runs on the same path.
/// </summary>
internal sealed partial class IrEmitter
{
    // Inlining single-use values rebuilds expression nesting; capping it keeps the emitted tree shallow
    // (Compile() recurses over it) however deep the input was.
    private const int MaxInlineDepth = 24;

    private readonly Dictionary<Value, int> _uses = [];
    private readonly Dictionary<Value, int> _useLoopDepth = [];
    private readonly Dictionary<Value, int> _defLoopDepth = [];
    private readonly Dictionary<Value, int> _inlineDepth = [];
    private readonly HashSet<Value> _inlined = [];
    private readonly HashSet<Value> _dead = [];
    private readonly HashSet<TapeSlot> _liveSlots = [];
    private readonly Dictionary<Value, ParameterExpression> _locals = [];
    private readonly Dictionary<MutableVariable, ParameterExpression> _variables = [];
    private readonly ParameterExpression? _gradient;
    private ParameterExpression? _tape;

    private readonly bool _reuseArrays;

    /// <summary>The trip count of each emitted loop whose bounds are constants, by its break label (see <see cref="Emitted.KnownTrips"/>).</summary>
    private readonly Dictionary<LabelTarget, int> _knownTrips = [];

    private IrEmitter(ParameterExpression? gradient, bool reuseArrays) => (_gradient, _reuseArrays) = (gradient, reuseArrays);

    /// <summary>The emitted code of the blocks and the result, with the locals it declares and the tape it uses, if any.</summary>
    public sealed record Emitted(List<ParameterExpression> Variables, List<Expression> Statements, Expression Result, ParameterExpression? Tape)
    {
        /// <summary>The expressions of the extra outputs asked for, valid after <see cref="Statements"/> (see <see cref="ToBody(Expression, Func{IReadOnlyList{Expression}, IEnumerable{Expression}})"/>).</summary>
        public IReadOnlyList<Expression> Outputs { get; init; } = [];

        /// <summary>
        /// The size (in nodes) from which the function's large loop nests become methods of their own (<see cref="LoopOutlining"/>);
        /// null for trees that are shown or differentiated again.
        /// </summary>
        public int? OutlineAbove { get; init; }

        /// <summary>The trip counts known when emitting (constant bounds), by loop break label: how <see cref="LoopOutlining"/> weighs a loop body's work.</summary>
        public IReadOnlyDictionary<LabelTarget, int> KnownTrips { get; init; } = new Dictionary<LabelTarget, int>();

        /// <summary>As <see cref="ToBody(Expression)"/>, with statements that store the extra outputs run before the result is returned.</summary>
        public BlockExpression ToBody(Expression checks, Func<IReadOnlyList<Expression>, IEnumerable<Expression>> storeOutputs)
            => (this with { Statements = [.. Statements, .. storeOutputs(Outputs)] }).ToBody(checks);

        /// <summary>
        /// One block: <paramref name="checks"/>, then the code, returning the result. With a tape, the code
        /// runs inside try/finally so the tape goes back to its cache even when the function throws.
        /// </summary>
        public BlockExpression ToBody(Expression checks)
        {
            var statements = OutlineAbove is { } minimum ? LoopOutlining.Run(Statements, [checks, Result], Variables, minimum, KnownTrips) : Statements;
            var code = new List<Expression>(statements) { Result };
            if (Tape is null) return Expression.Block(Result.Type, Variables, code.Prepend(checks));
            return Expression.Block(Result.Type, Variables.Append(Tape),
                checks,
                Expression.Assign(Tape, Expression.Call(typeof(Tape).GetMethod(nameof(Compilation.Tape.Rent))!)),
                Expression.TryFinally(Expression.Block(Result.Type, code), Expression.Call(typeof(Tape).GetMethod(nameof(Compilation.Tape.Return))!, Tape)));
        }
    }

    /// <summary>Emits <paramref name="blocks"/> in order, followed by <paramref name="result"/>.</summary>
    /// <param name="gradient">The array that gradient additions write to, if any.</param>
    /// <param name="blocks">The code, in the order it runs.</param>
    /// <param name="result">The value the tree returns.</param>
    /// <param name="reuseArrays">
    /// Local arrays come from the per-thread tape (<see cref="Tape.RentArray"/>), reused call after call, rather
    /// than <c>new double[n]</c>: for trees that are only compiled, not shown or differentiated again.
    /// </param>
    public static Emitted Run(ParameterExpression? gradient, IReadOnlyList<Block> blocks, Value result, bool reuseArrays)
        => Run(gradient, blocks, result, [], reuseArrays);

    /// <summary>Emits <paramref name="blocks"/> followed by <paramref name="result"/>, and the expressions of <paramref name="outputs"/>.</summary>
    public static Emitted Run(ParameterExpression? gradient, IReadOnlyList<Block> blocks, Value result, IReadOnlyList<Value> outputs, bool reuseArrays)
    {
        var emitter = new IrEmitter(gradient, reuseArrays);
        emitter.CountUses(blocks, result);
        foreach (var output in outputs) emitter.CountUse(output);
        emitter.RemoveDeadCode(blocks);
        emitter.RefuseUnstableLoads(blocks);
        emitter.FindLiveTapeSlots(blocks);
        emitter.DropUnpushedResults(blocks);
        emitter.FindDeadLoops(blocks);
        emitter.FindCancellingAdjointResets(blocks);
        emitter.FindScratchRows(blocks);
        foreach (var block in blocks) emitter.PlanInlining(block);
        emitter.FindSoleGradientWrites(blocks);
        emitter.FindTakes(blocks);
        var statements = new List<Expression>();
        foreach (var block in blocks) emitter.EmitInstructions(block, statements);
        var outputExpressions = outputs.Select(emitter.ValueOf).ToList();
        var resultExpression = emitter.ValueOf(result);
        var variables = emitter._locals.Values.Concat(emitter._variables.Values).Concat(emitter._extraVariables).Concat(emitter._scratchRows.Values.SelectMany(r => new[] { r.Set, r.Rows }))
            .Distinct().ToList(); // a loop counter's head is its carried variable
        return new Emitted(variables, statements, resultExpression, emitter._tape) { Outputs = outputExpressions, OutlineAbove = reuseArrays ? LoopOutlining.DefaultMinimumFunctionNodes : null, KnownTrips = emitter._knownTrips };
    }

    /// <summary>Visits <paramref name="blocks"/> and every block nested in them, reverse code included.</summary>
    private static void ForEachBlock(IReadOnlyList<Block> blocks, Action<Block> action)
    {
        foreach (var block in blocks)
        {
            action(block);
            ForEachInstruction(block, (instr, _) =>
            {
                foreach (var nested in Blocks.Nested(instr, withReverse: true)) action(nested);
            });
        }
    }

    /// <summary>Visits every instruction with the number of loops around it.</summary>
    private static void ForEachInstruction(Block block, Action<Instr, int> action, int loopDepth = 0)
    {
        StackGuard.Check();
        foreach (var instr in block.Instructions)
        {
            action(instr, loopDepth);
            switch (instr)
            {
                case IfInstr branch:
                    ForEachInstruction(branch.WhenTrue, action, loopDepth);
                    ForEachInstruction(branch.WhenFalse, action, loopDepth);
                    break;
                case LoopInstr loop:
                    ForEachInstruction(loop.Body, action, loopDepth + 1);
                    if (loop.FusedReverse is { } fused) ForEachInstruction(fused, action, loopDepth + 1);
                    break;
                case ReverseLoopInstr reverse:
                    foreach (var partial in reverse.PartialBodies) ForEachInstruction(partial, action, loopDepth);
                    ForEachInstruction(reverse.FullBody, action, loopDepth + 1);
                    break;
            }
        }
    }

    private void CountUses(IReadOnlyList<Block> blocks, Value result)
    {
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, depth) =>
            {
                foreach (var used in InstrUses.UsedBy(instr))
                {
                    _uses[used] = _uses.GetValueOrDefault(used) + 1;
                    _useLoopDepth[used] = depth;
                }
                foreach (var defined in InstrUses.DefinedBy(instr)) _defLoopDepth[defined] = depth;
                // A result that may be pushed on the tape is kept (and never inlined: see PlanInlining).
                if (instr is Op { ResultSlot: not null } taped) _uses[taped.Result] = _uses.GetValueOrDefault(taped.Result) + 1;
                if (instr is LoopInstr loop)
                    foreach (var carried in loop.Carried) _defLoopDepth[carried.Head] = depth + 1;
            });
        CountUse(result);
    }

    private void CountUse(Value value)
    {
        _uses[value] = _uses.GetValueOrDefault(value) + 1;
        _useLoopDepth[value] = 0;
    }

    /// <summary>Drops droppable ops nobody uses, and then whatever only they used; also loop-carried values nobody reads.</summary>
    private void RemoveDeadCode(IReadOnlyList<Block> blocks)
    {
        var work = new Stack<Op>();
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
            {
                if (instr is Op { Droppable: true } op && _uses.GetValueOrDefault(op.Result) == 0) work.Push(op);
                if (instr is LoopInstr loop) FindDeadCarried(loop, work);
            });
        DropWithArguments(work);
    }

    /// <summary>Marks the ops dead, and every droppable op whose last use that was.</summary>
    private void DropWithArguments(Stack<Op> work)
    {
        while (work.Count > 0)
        {
            var op = work.Pop();
            if (!_dead.Add(op.Result)) continue;
            foreach (var arg in op.Args)
                if (--_uses[arg] == 0 && arg.Definition is { Droppable: true } argOp) work.Push(argOp);
        }
    }

    /// <summary>
    /// A result kept for the tape (<see cref="CountUses"/> counts the push as a use) whose slot no live pop reads is not
    /// pushed: unless something else uses it, it is dead, with what only it used (the sin(u[i+1]) of a sweep replayed
    /// from its start state, whose reverse needs only the cosine of the argument).
    /// </summary>
    private void DropUnpushedResults(IReadOnlyList<Block> blocks)
    {
        var work = new Stack<Op>();
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
            {
                if (instr is Op { ResultSlot: { } slot, Droppable: true } op && !_liveSlots.Contains(slot) && !_dead.Contains(op.Result)
                    && --_uses[op.Result] == 0)
                    work.Push(op);
            });
        DropWithArguments(work);
    }

    /// <summary>
    /// A carried value that only feeds its own next value (<c>s = s + term</c>) and is not read after the loop
    /// is dead: a replayed reduction whose adjoints are all that is wanted recomputes its terms, not its sum.
    /// Its update and whatever only the update used are dropped with it.
    /// </summary>
    private void FindDeadCarried(LoopInstr loop, Stack<Op> work)
    {
        if (loop.AfterSlots is not null || loop.Records) return;
        for (var j = 0; j < loop.Carried.Count; j++)
        {
            var carried = loop.Carried[j];
            if (_uses.GetValueOrDefault(carried.After) > 0 || carried.Next == carried.Head || _uses.GetValueOrDefault(carried.Next) != 1) continue;
            if (carried.Next.Definition is not { Droppable: true } update || update.Result.Block != loop.Body) continue;
            var exitUses = loop.Exits.Count(e => e.Values[j] == carried.Head);
            if (loop.Exits.Any(e => e.Values[j] != carried.Head) || update.Args.Count(a => a == carried.Head) + exitUses != _uses.GetValueOrDefault(carried.Head)) continue;
            _deadCarried.Add(carried);
            _uses[carried.Next] = 0;
            _uses[carried.Head] -= exitUses;
            if (--_uses[carried.Init] == 0 && carried.Init.Definition is { Droppable: true } init) work.Push(init);
            work.Push(update);
        }
    }

    private readonly HashSet<Carried> _deadCarried = [];

    /// <summary>
    /// A loop's reverse sweep that needs an array element the forward sweep has overwritten since it was
    /// read cannot be built by recomputation; refuse it at Differentiate time, saying what to change. The reverse
    /// sweep keeps such reads (taped, or the array snapshotted: <c>ReverseSweep.OverwrittenArrays</c>) wherever it
    /// knows the array's length, so this is a guard: no function the tests or the random programs build reaches it.
    /// </summary>
    private void RefuseUnstableLoads(IReadOnlyList<Block> blocks)
    {
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
            {
                if (instr is Op { Kind: OpKind.LoadElement, Unstable: true } load && !_dead.Contains(load.Result))
                    throw new UnstableReadException(
                        $"ExprAD cannot differentiate a loop that reads elements of the local array '{load.Args[0].Definition?.ConstantValue}' "
                        + "which are written again inside that loop or after it: the reverse sweep recomputes the loop and would read the new values. "
                        + "Write each element once (use a second array for updated values), keep the values the loop needs in variables, "
                        + "or, for an array reused by every iteration, refill all of it at the start of the iteration (for (j = 0; j < length; j++) a[j] = ...;) before reading it.");
            });
    }

    /// <summary>
    /// A slot is pushed only when some pop of it is used; then every pop of it runs, to keep the stack aligned.
    /// The tape is also where local arrays come from, so a function that creates one uses a tape.
    /// </summary>
    private void FindLiveTapeSlots(IReadOnlyList<Block> blocks)
    {
        var createsArrays = false;
        var snapshots = false;
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
            {
                if (instr is Op { Kind: OpKind.TapePop } pop && !_dead.Contains(pop.Result)) _liveSlots.Add(pop.Slot!);
                if (instr is Op { Kind: OpKind.NewArray } created && !_dead.Contains(created.Result)) createsArrays = true;
                if (instr is LoopInstr { Snapshots.Count: > 0 } or LoopInstr { EntrySnapshots.Count: > 0 }) snapshots = true;
            });
        if (_liveSlots.Count > 0 || snapshots || (createsArrays && _reuseArrays)) _tape = Expression.Variable(typeof(Tape), "tape");
    }

    private void PlanInlining(Block block)
    {
        ForEachInstruction(block, (instr, _) =>
        {
            if (instr is not Op op || _dead.Contains(op.Result)) return;
            var depth = 1 + op.Args.Select(a => _inlineDepth.GetValueOrDefault(a)).DefaultIfEmpty(0).Max();
            var inlinable = op.Pure && op.ResultSlot is null && _uses.GetValueOrDefault(op.Result) == 1 && depth <= MaxInlineDepth
                            && op.Kind is not (OpKind.Input or OpKind.Constant or OpKind.Member)
                            // Never move a computation into a loop, where it would run every iteration.
                            && _useLoopDepth.GetValueOrDefault(op.Result) == _defLoopDepth.GetValueOrDefault(op.Result);
            if (inlinable)
            {
                _inlined.Add(op.Result);
                _inlineDepth[op.Result] = depth;
            }
        });
    }

    /// <summary>
    /// A constant-index gradient entry that receives exactly one term, outside any branch or loop, is
    /// assigned rather than added to: the store does not have to wait for a load of the zero written before.
    /// </summary>
    private void FindSoleGradientWrites(IReadOnlyList<Block> blocks)
    {
        var writesPerIndex = new Dictionary<int, int>();
        var unknownIndex = false;
        foreach (var block in blocks)
            ForEachInstruction(block, (instr, _) =>
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
}
