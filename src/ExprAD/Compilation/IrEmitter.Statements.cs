using System.Linq.Expressions;
using System.Reflection;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Compilation;

internal sealed partial class IrEmitter
{
    private static readonly MethodInfo PushMethod = typeof(Tape).GetMethod(nameof(Tape.Push))!;
    private static readonly MethodInfo RentArrayMethod = typeof(Tape).GetMethod(nameof(Tape.RentArray))!;
    private static readonly MethodInfo ClearMethod = typeof(ScalarMemory).GetMethod(nameof(ScalarMemory.Clear))!;

    private void EmitInstructions(Block block, List<Expression> statements) => EmitInstructions(block.Instructions, statements);

    private void EmitInstructions(IEnumerable<Instr> instructions, List<Expression> statements)
    {
        StackGuard.Check();
        foreach (var instr in instructions)
        {
            if (_cancelled.Contains(instr)) continue;
            switch (instr)
            {
                case Op { Kind: OpKind.TapePop } pop when _dead.Contains(pop.Result):
                    if (_liveSlots.Contains(pop.Slot!)) statements.Add(Tape.DropExpression(_tape!));
                    break;
                case Op op when op.Kind is OpKind.Input || _dead.Contains(op.Result) || _inlined.Contains(op.Result):
                    break;
                case Op { Result.Type: var type } op when type == typeof(void):
                    statements.Add(Build(op));
                    break;
                case StoreElementInstr store when _takenStores.Contains(store):
                    break;
                case Op { Kind: OpKind.LoadElement } load when _takes.Contains(load):
                    statements.Add(Expression.Assign(LocalOf(load.Result), Expression.Call(TakeMethod, ValueOf(load.Args[0]), ValueOf(load.Args[1]))));
                    break;
                case Op op:
                    statements.Add(Expression.Assign(LocalOf(op.Result), Build(op)));
                    if (op.Kind == OpKind.NewArray) RentScratchRows(op, statements);
                    if (op.ResultSlot is { } slot && _liveSlots.Contains(slot))
                        statements.Add(PushExpression(LocalOf(op.Result)));
                    break;
                case IfInstr branch:
                    statements.Add(EmitIf(branch));
                    break;
                case LoopInstr loop:
                    EmitLoop(loop, statements);
                    break;
                case ReverseLoopInstr reverse:
                    EmitReverseLoop(reverse, statements);
                    break;
                case RestoreArrayInstr { AtEntry: true } restore:
                    statements.Add(PopElements(restore.Array, restore.Length));
                    break;
                case RestoreArrayInstr restore:
                    if (!TrySelectRow(restore.Array, _reverseIterations.Peek(), statements))
                        statements.Add(PopElements(restore.Array, restore.Length));
                    break;
                case AccumulateInstr accumulate:
                    statements.Add(AddOrSubtract(VariableOf(accumulate.Variable), accumulate.Term));
                    break;
                case AssignVariableInstr assign:
                    statements.Add(Expression.Assign(VariableOf(assign.Variable), ValueOf(assign.Value)));
                    break;
                case GradientAddInstr add:
                    statements.Add(add.Stores || _soleGradientWrites.Contains(add)
                        ? Expression.Assign(Expression.ArrayAccess(_gradient!, ValueOf(add.Index)), ValueOf(add.Term))
                        : AddOrSubtract(_gradient!, ValueOf(add.Index), add.Term));
                    break;
                case ClearGradientOutsideInstr clear:
                    EmitClearOutside(clear, statements);
                    break;
                case StoreElementInstr { Ghost: false } store:
                    statements.Add(Expression.Assign(Expression.ArrayAccess(ValueOf(store.Array), ValueOf(store.Index)), ValueOf(store.Value)));
                    break;
                case AccumulateElementInstr add:
                    statements.Add(AddOrSubtract(ValueOf(add.Array), ValueOf(add.Index), add.Term, subtractNegation: false));
                    break;
                case ClearArrayInstr { Ghost: false } clear:
                    statements.Add(Expression.Call(ClearMethod, ValueOf(clear.Array)));
                    break;
                case ExitInstr:
                    throw new InvalidOperationException("ExprAD internal error: a loop exit outside its loop.");
            }
        }
    }

    /// <summary>
    /// <c>for (k = 0; k &lt; (wrote ? start : n); k++) g[k] = 0; for (k = wrote ? end : n; k &lt; n; k++) g[k] = 0;</c>
    /// Loops, not a call: values live across a call lose their registers, and the JIT then spills the loop's sum
    /// on every iteration (measured: 15% slower on Rosenbrock).
    /// </summary>
    private void EmitClearOutside(ClearGradientOutsideInstr clear, List<Expression> statements)
    {
        var length = Expression.ArrayLength(_gradient!);
        var wrote = ValueOf(clear.Wrote);
        var k = Expression.Variable(typeof(int), "zeroed");
        _extraVariables.Add(k);
        Expression ZeroUpTo(Expression limit)
        {
            var done = Expression.Label("zeroedAll");
            return Expression.Loop(Expression.IfThenElse(Expression.LessThan(k, limit),
                Expression.Block(Expression.Assign(Expression.ArrayAccess(_gradient!, k), Expression.Constant(0.0)), Expression.PreIncrementAssign(k)),
                Expression.Break(done)), done);
        }
        var min = typeof(Math).GetMethod(nameof(Math.Min), [typeof(int), typeof(int)])!;
        var max = typeof(Math).GetMethod(nameof(Math.Max), [typeof(int), typeof(int)])!;
        statements.Add(Expression.Assign(k, Expression.Constant(0)));
        statements.Add(ZeroUpTo(Expression.Condition(wrote, Expression.Call(min, ValueOf(clear.Start), length), length)));
        statements.Add(Expression.Assign(k, Expression.Condition(wrote, Expression.Call(max, ValueOf(clear.End), Expression.Constant(0)), length)));
        statements.Add(ZeroUpTo(length));
    }

    private static readonly MethodInfo TakeMethod = typeof(ElementUpdates).GetMethod(nameof(ElementUpdates.Take))!;
    private readonly HashSet<Op> _takes = [];
    private readonly HashSet<StoreElementInstr> _takenStores = [];

    /// <summary>
    /// In compiled-only code, a load of an element followed directly by a store of zero into it (an adjoint read and
    /// reset) becomes one <see cref="ElementUpdates.Take"/>.
    /// </summary>
    private void FindTakes(IReadOnlyList<Block> blocks)
    {
        if (_reuseArrays) ForEachBlock(blocks, FindTakes);
    }

    private void FindTakes(Block block)
    {
        var instructions = block.Instructions;
        for (var i = 0; i + 1 < instructions.Count; i++)
            if (instructions[i] is Op { Kind: OpKind.LoadElement, ResultSlot: null } load && !_dead.Contains(load.Result)
                && instructions[i + 1] is StoreElementInstr { Ghost: false, Value.ConstantValue: 0.0 } store && !_cancelled.Contains(store)
                && store.Array == load.Args[0] && store.Index == load.Args[1] && load.Result.Type == typeof(double))
            {
                _takes.Add(load);
                _takenStores.Add(store);
            }
    }

    private static readonly MethodInfo AddElementMethod = typeof(ElementUpdates).GetMethod(nameof(ElementUpdates.Add))!;
    private static readonly MethodInfo SubtractElementMethod = typeof(ElementUpdates).GetMethod(nameof(ElementUpdates.Subtract))!;

    /// <summary>
    /// <c>array[index] += term</c>, or <c>array[index] -= a</c> when the term is an inlined <c>-a</c> (the same number, one
    /// instruction less). Compiled-only code calls <see cref="ElementUpdates"/> (one index check instead of two);
    /// trees that are shown or differentiated again keep the plain assignment.
    /// </summary>
    private Expression AddOrSubtract(Expression array, Expression index, Value term, bool subtractNegation = true)
    {
        var (subtract, operand) = subtractNegation ? SplitNegation(term) : (false, ValueOf(term));
        if (_reuseArrays) return Expression.Call(subtract ? SubtractElementMethod : AddElementMethod, array, index, operand);
        var element = Expression.ArrayAccess(array, index);
        return subtract ? Expression.SubtractAssign(element, operand) : Expression.AddAssign(element, operand);
    }

    /// <summary><c>target += term</c>, or <c>target -= a</c> when the term is an inlined <c>-a</c>.</summary>
    private Expression AddOrSubtract(Expression target, Value term)
        => SplitNegation(term) is (true, var negated) ? Expression.SubtractAssign(target, negated) : Expression.AddAssign(target, ValueOf(term));

    /// <summary>(true, a) when the term is an inlined <c>-a</c> (to be subtracted: the same number, one instruction less), else (false, term).</summary>
    private (bool Subtract, Expression Operand) SplitNegation(Value term)
        => term.Definition is { Kind: OpKind.Unary, NodeType: ExpressionType.Negate } negation && _inlined.Contains(term)
            ? (true, ValueOf(negation.Args[0]))
            : (false, ValueOf(term));

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

    /// <summary>
    /// <c>carried = init; while (true) { head = carried; [push head]; body; carried = next; [trips++] }</c>,
    /// each exit being <c>if (c) { after = ...; [exit = e]; break; }</c>.
    /// </summary>
    private void EmitLoop(LoopInstr loop, List<Expression> statements)
    {
        if (_deadLoops.Contains(loop))
        {
            EmitDeadLoop(loop, statements);
            return;
        }
        var carriedVariables = loop.Carried.Select(c => Expression.Variable(c.Head.Type, c.Name)).ToList();
        _extraVariables.AddRange(carriedVariables);
        var live = Enumerable.Range(0, loop.Carried.Count).Where(j => !_deadCarried.Contains(loop.Carried[j])).ToList();
        var rows = ReserveScratchRows(loop, statements);
        var reserved = ReservePushes(loop, live, statements);
        foreach (var j in live) statements.Add(Expression.Assign(carriedVariables[j], ValueOf(loop.Carried[j].Init)));
        if (loop.Records) statements.Add(Expression.Assign(VariableOf(loop.TripCount!), Expression.Constant(0)));

        // A counter's head is its carried variable itself, not a copy of it: the JIT recognises `for (i = s; i < n; i++)`
        // only when the loop tests and indexes with the variable it increments, and then clones the loop to drop the
        // index checks of a[i]. Counters are updated last, after every other carried value that may read them.
        var counters = live.Where(j => loop.Carried[j].InductionStep is not null && !_locals.ContainsKey(loop.Carried[j].Head)).ToHashSet();
        foreach (var j in counters) _locals[loop.Carried[j].Head] = carriedVariables[j];
        var breakLabel = Expression.Label("loopEnd");
        if (CountedLoops.ConstantTrips(loop) is { } trips) _knownTrips[breakLabel] = trips;
        var body = new List<Expression>();
        WithReservedPushes(reserved, () => EmitLoopBody(loop, live, counters, carriedVariables, breakLabel, rows, body));
        statements.Add(Expression.Loop(Expression.Block(typeof(void), body), breakLabel));
        if (loop.AfterSlots is { } slots)
            for (var j = 0; j < slots.Count; j++)
                if (_liveSlots.Contains(slots[j]))
                    statements.Add(PushExpression(ToTape(LocalOf(loop.Carried[j].After))));
    }

    private void EmitLoopBody(LoopInstr loop, List<int> live, HashSet<int> counters, List<ParameterExpression> carriedVariables,
        LabelTarget breakLabel, List<(Value Array, ParameterExpression Rows)> rows, List<Expression> body)
    {
        foreach (var j in live)
        {
            if (!counters.Contains(j)) body.Add(Expression.Assign(LocalOf(loop.Carried[j].Head), carriedVariables[j]));
            if (loop.Records && loop.Carried[j].Slot is { } slot && _liveSlots.Contains(slot))
                body.Add(PushExpression(ToTape(LocalOf(loop.Carried[j].Head))));
        }
        // Before any exit: every iteration, the partial last one too, starts with its snapshot, as its reverse expects.
        foreach (var (array, length) in loop.EntrySnapshots) body.Add(PushElements(array, length));
        var exitIndex = 0;
        foreach (var instr in loop.Body.Instructions)
        {
            if (instr is not ExitInstr exit)
            {
                EmitInstructions([instr], body);
                continue;
            }
            var leave = new List<Expression>();
            foreach (var j in live)
                if (_uses.GetValueOrDefault(loop.Carried[j].After) > 0 || loop.AfterSlots is not null)
                    leave.Add(Expression.Assign(LocalOf(loop.Carried[j].After), ValueOf(exit.Values[j])));
            if (loop.Records) leave.Add(Expression.Assign(VariableOf(loop.ExitTaken!), Expression.Constant(exitIndex)));
            leave.Add(Expression.Break(breakLabel));
            body.Add(Expression.IfThen(ValueOf(exit.Condition), Expression.Block(typeof(void), leave)));
            // A counted loop's one exit comes before any work: a full iteration t starts here, with row t.
            foreach (var (array, _) in rows) TrySelectRow(array, VariableOf(loop.TripCount!), body);
            exitIndex++;
        }
        if (loop.FusedReverse is { } fused) EmitInstructions(fused, body);
        foreach (var (array, length) in loop.Snapshots.Where(s => !_scratchRows.ContainsKey(s.Array))) body.Add(PushElements(array, length));
        foreach (var j in live.OrderBy(counters.Contains)) body.Add(Expression.Assign(carriedVariables[j], ValueOf(loop.Carried[j].Next)));
        if (loop.Records) body.Add(Expression.PreIncrementAssign(VariableOf(loop.TripCount!)));
    }

    /// <summary>
    /// <c>iteration = trips; switch (exit) { partial bodies }; for (iteration--; iteration &gt;= 0; iteration--) full body;</c>,
    /// or for a counted loop the full bodies counting its counter down (<see cref="EmitCountedReverseLoop"/>).
    /// </summary>
    private void EmitReverseLoop(ReverseLoopInstr reverse, List<Expression> statements)
        => WithoutReservedPushes(() => EmitReverseLoopChecked(reverse, statements));

    /// <summary><see cref="EmitReverseLoop"/>, whose iterations are not counted by any reservation: pushes in it stay checked.</summary>
    private void EmitReverseLoopChecked(ReverseLoopInstr reverse, List<Expression> statements)
    {
        var iteration = VariableOf(reverse.Iteration);
        statements.Add(Expression.Assign(iteration, VariableOf(reverse.Forward.TripCount!)));
        Expression partials = Expression.Empty();
        for (var e = reverse.PartialBodies.Length - 1; e >= 0; e--)
        {
            var body = new List<Expression>();
            EmitInstructions(reverse.PartialBodies[e], body);
            var code = body.Count == 0 ? Expression.Empty() : (Expression)Expression.Block(typeof(void), body);
            partials = e == reverse.PartialBodies.Length - 1
                ? code
                : Expression.IfThenElse(Expression.Equal(VariableOf(reverse.Forward.ExitTaken!), Expression.Constant(e)), code, partials);
        }
        statements.Add(partials);
        if (CountedReverse(reverse) is var (counterOp, start, end))
        {
            EmitCountedReverseLoop(reverse, counterOp, start, end, statements);
            return;
        }

        // for (iteration = trips - 1; iteration >= 0; iteration--): the JIT optimizes this shape better than the
        // equivalent `while (iteration != 0) { iteration--; ... }` (measured on a C# copy of the GMM gradient: 7% faster).
        var breakLabel = Expression.Label("reverseLoopEnd");
        if (CountedLoops.ConstantTrips(reverse.Forward) is { } trips) _knownTrips[breakLabel] = trips;
        statements.Add(Expression.PreDecrementAssign(iteration));
        var full = new List<Expression>
        {
            Expression.IfThen(Expression.LessThan(iteration, Expression.Constant(0)), Expression.Break(breakLabel)),
        };
        _reverseIterations.Push(iteration);
        EmitInstructions(reverse.FullBody, full);
        _reverseIterations.Pop();
        full.Add(Expression.PreDecrementAssign(iteration));
        statements.Add(Expression.Loop(Expression.Block(typeof(void), full), breakLabel));
    }

    private readonly List<ParameterExpression> _extraVariables = [];

    /// <summary><c>tape.PushElements(array, length)</c>: a snapshot (see <see cref="LoopInstr.Snapshots"/>), one copy, not a loop of pushes.</summary>
    private Expression PushElements(Value array, Value length)
        => Expression.Call(_tape!, typeof(Tape).GetMethod(nameof(Tape.PushElements))!, ValueOf(array), ValueOf(length));

    /// <summary><c>tape.PopElements(array, length)</c>: the snapshot back.</summary>
    private Expression PopElements(Value array, Value length)
        => Expression.Call(_tape!, typeof(Tape).GetMethod(nameof(Tape.PopElements))!, ValueOf(array), ValueOf(length));

    private static Expression ToTape(Expression value) => value.Type == typeof(double) ? value
        : value.Type == typeof(bool) ? Expression.Condition(value, Expression.Constant(1.0), Expression.Constant(0.0))
        : Expression.Convert(value, typeof(double));

    private static Expression FromTape(Expression popped, Type type) => type == typeof(double) ? popped
        : type == typeof(bool) ? Expression.NotEqual(popped, Expression.Constant(0.0))
        : Expression.Convert(popped, type);
}
