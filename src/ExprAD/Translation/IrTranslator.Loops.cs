using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Ir;

namespace ExprAD.Translation;

internal sealed partial class IrTranslator
{
    /// <summary>The loop being translated: its labels, and the variables it carries.</summary>
    private sealed record LoopContext(LabelTarget? Break, LabelTarget? Continue, LoopInstr Loop, List<ParameterExpression> Variables)
    {
        /// <summary>Set after an unconditional break or continue: the rest of the iteration is dead code.</summary>
        public bool IterationEnded { get; set; }
    }

    private LoopContext? _loop;

    /// <summary>
    /// <c>Expression.Loop</c>. Variables assigned in the body become carried values (a head at the top of
    /// each iteration, the next value at its end). Breaks must sit at the top level of the body, possibly
    /// as <c>if (c) break;</c> or <c>if (c) { ... } else break;</c>; they become exits. A double carried
    /// variable is active when its start or its next value is; that is known only after translating the
    /// body, so the body is translated again when it finds an active next value for an inactive head.
    /// </summary>
    private Value? Loop(LoopExpression node)
    {
        if (node.Type != typeof(void))
            throw Errors.UnsupportedNode(node, "Loops that break with a value are not supported; assign the value to a variable and break without one.");

        var outer = _builder.Current;
        var variables = AssignedVariables.In(node.Body).Where(v => _variables.ContainsKey(v) || _declared.Contains(v)).ToList();
        var activeHeads = new HashSet<ParameterExpression>(variables.Where(v => Parameter(v).Active), ReferenceEqualityComparer.Instance);

        while (true)
        {
            var before = new Dictionary<ParameterExpression, Value>(_variables, ReferenceEqualityComparer.Instance);
            var body = new Block(outer);
            var loop = new LoopInstr(body);
            foreach (var variable in variables)
            {
                var init = Parameter(variable);
                var head = _builder.NewValue(variable.Type, activeHeads.Contains(variable), body);
                loop.Carried.Add(new Carried(variable.Name ?? "v", init, head));
                _variables[variable] = head;
            }
            _generation++;

            var savedLoop = _loop;
            _loop = new LoopContext(node.BreakLabel, node.ContinueLabel, loop, variables);
            _builder.Current = body;
            LoopStatement(node.Body, isTail: true);
            _builder.Current = outer;
            _loop = savedLoop;

            var newlyActive = variables.Where(v => _variables[v].Active && !activeHeads.Contains(v)).ToList();
            if (newlyActive.Count > 0)
            {
                activeHeads.UnionWith(newlyActive);
                _variables = before;
                _generation++;
                continue;
            }

            if (!loop.Exits.Any())
                throw Errors.UnsupportedNode(node, "The loop never breaks: add a break (for example if (!(i < n)) break;) at the top level of its body.");
            for (var j = 0; j < variables.Count; j++)
            {
                var carried = loop.Carried[j];
                carried.Next = _variables[variables[j]];
                carried.InductionStep = InductionStep(carried);
                var afterActive = carried.Head.Active || loop.Exits.Any(e => e.Values[j].Active);
                carried.After = _builder.NewValue(variables[j].Type, afterActive, outer);
            }
            _variables = before;
            for (var j = 0; j < variables.Count; j++) _variables[variables[j]] = loop.Carried[j].After;
            _generation++;
            outer.Instructions.Add(loop);
            return null;
        }
    }

    /// <summary>A statement at the top level of a loop body: exits are recognised here, nowhere deeper.</summary>
    /// <param name="node">The statement.</param>
    /// <param name="isTail">Nothing else of the iteration follows this statement.</param>
    private void LoopStatement(Expression node, bool isTail)
    {
        StackGuard.Check();
        var loop = _loop!;
        if (loop.IterationEnded) return;
        switch (node)
        {
            case BlockExpression block:
                WithBlockScope(block, () => LoopStatements(block.Expressions, isTail));
                return;
            case GotoExpression jump when jump.Target == loop.Break:
                Exit(_builder.Constant(true, typeof(bool)));
                loop.IterationEnded = true;
                return;
            case GotoExpression jump when jump.Target == loop.Continue:
                loop.IterationEnded = true;
                return;
            case ConditionalExpression { Type: var type } conditional when type == typeof(void) && IsBreak(conditional.IfTrue, loop):
                Exit(Required(conditional.Test));
                LoopStatement(conditional.IfFalse, isTail);
                return;
            case ConditionalExpression { Type: var type } conditional when type == typeof(void) && IsBreak(conditional.IfFalse, loop):
                Exit(_builder.Unary(ExpressionType.Not, Required(conditional.Test)));
                LoopStatement(conditional.IfTrue, isTail);
                return;
            case ConditionalExpression { Type: var type, IfFalse: DefaultExpression } conditional
                when type == typeof(void) && BreaksAfter(conditional.IfTrue, loop) is { } before:
                // if (c) { S; break; }  ==>  if (c) { S }; exit when c. Where c is false, the joins after the
                // if hold the values from before S, so the iteration goes on as if S had not run.
                var test = Required(conditional.Test);
                Translate(Expression.IfThen(conditional.Test, before));
                Exit(test);
                return;
            case LabelExpression label when label.Target == loop.Continue && label.DefaultValue is null:
                return;
            default:
                if (JumpsOutOfLoop(node, loop))
                    throw Errors.UnsupportedNode(node,
                        "A break or continue must be a statement at the top level of the loop body (if (c) break; or if (c) { ... } else break;), not nested deeper.");
                Translate(node);
                return;
        }
    }

    /// <summary>
    /// Statements [start..] of a list at the top level of a loop body. <c>if (c) continue;</c> guards the
    /// statements after it: they become the body of <c>if (!c) { ... }</c> (and after <c>if (c) S; else continue;</c>,
    /// of <c>if (c) { S; ... }</c>). That is exact only when nothing follows the list in the iteration (<paramref name="isTail"/>).
    /// </summary>
    private void LoopStatements(IReadOnlyList<Expression> statements, bool isTail)
    {
        var loop = _loop!;
        for (var k = 0; k < statements.Count && !loop.IterationEnded; k++)
        {
            if (statements[k] is ConditionalExpression { Type: var type } guard && type == typeof(void)
                && (IsContinue(guard.IfTrue, loop) || IsContinue(guard.IfFalse, loop) && !JumpsOutOfLoop(guard.IfTrue, loop)))
            {
                if (!isTail)
                    throw Errors.UnsupportedNode(guard, "if (c) continue; is supported only where nothing else of the iteration follows the statement list it is in.");
                var rest = statements.Skip(k + 1).ToList();
                if (rest.Any(r => JumpsOutOfLoop(r, loop)))
                    throw Errors.UnsupportedNode(guard, "A break after if (c) continue; in the same iteration is not supported; move the break before it.");
                var continuesWhenTrue = IsContinue(guard.IfTrue, loop);
                var other = continuesWhenTrue ? guard.IfFalse : guard.IfTrue;
                var otherwise = rest.Count == 0 ? other : Expression.Block(typeof(void), rest.Prepend(other));
                Translate(Expression.IfThen(continuesWhenTrue ? Expression.Not(guard.Test) : guard.Test, otherwise));
                return;
            }
            LoopStatement(statements[k], isTail && k == statements.Count - 1);
        }
    }

    private static bool IsContinue(Expression node, LoopContext loop) => node switch
    {
        GotoExpression jump => loop.Continue is not null && jump.Target == loop.Continue && jump.Value is null,
        BlockExpression { Variables.Count: 0, Expressions.Count: 1 } block => IsContinue(block.Expressions[0], loop),
        _ => false,
    };

    private void Exit(Value condition)
    {
        var loop = _loop!;
        var values = loop.Variables.Select(v => _variables[v]).ToArray();
        _builder.Current.Instructions.Add(new ExitInstr(condition, values));
    }

    private static bool IsBreak(Expression node, LoopContext loop) => node switch
    {
        GotoExpression jump => jump.Target == loop.Break && jump.Value is null,
        BlockExpression { Variables.Count: 0, Expressions.Count: 1 } block => IsBreak(block.Expressions[0], loop),
        _ => false,
    };

    /// <summary>For <c>{ S; break; }</c> where S does not jump: S as a block (keeping its variables), else null.</summary>
    private static Expression? BreaksAfter(Expression node, LoopContext loop)
    {
        if (node is not BlockExpression { Expressions.Count: > 1 } block || !IsBreak(block.Expressions[^1], loop)) return null;
        var before = block.Expressions.SkipLast(1).ToList();
        if (before.Any(statement => JumpsOutOfLoop(statement, loop))) return null;
        return Expression.Block(typeof(void), block.Variables, before);
    }

    private static bool JumpsOutOfLoop(Expression node, LoopContext loop)
        => JumpFinder.Targets(node).Any(t => t == loop.Break || t == loop.Continue);

    /// <summary>
    /// <c>v = v + c</c> or <c>v = v - c</c> (a loop counting down) with a constant int c on every path: the reverse sweep
    /// recomputes v from the iteration index (unchecked arithmetic wraps the same way, so v - c is v + (-c) even for int.MinValue).
    /// </summary>
    private static int? InductionStep(Carried carried)
    {
        if (carried.Head.Type != typeof(int) || carried.Next.Definition is not { Kind: OpKind.Binary } op) return null;
        var (a, b) = (op.Args[0], op.Args[1]);
        return op.NodeType switch
        {
            ExpressionType.Add when a == carried.Head && b.ConstantValue is int step => step,
            ExpressionType.Add when b == carried.Head && a.ConstantValue is int step => step,
            ExpressionType.Subtract when a == carried.Head && b.ConstantValue is int step => unchecked(-step),
            _ => null,
        };
    }

    private void WithBlockScope(BlockExpression node, Action body)
    {
        var shadowed = new List<(ParameterExpression Variable, Value? Outer, bool WasDeclared)>();
        foreach (var variable in node.Variables)
        {
            shadowed.Add((variable, _variables.GetValueOrDefault(variable), _declared.Contains(variable)));
            _variables.Remove(variable);
            _declared.Add(variable);
        }
        _generation++;
        body();
        foreach (var (variable, outer, wasDeclared) in shadowed)
        {
            if (outer is null) _variables.Remove(variable); else _variables[variable] = outer;
            if (!wasDeclared) _declared.Remove(variable);
        }
        _generation++;
    }
}

/// <summary>The variables a subtree assigns (the candidates for loop-carried values).</summary>
internal sealed class AssignedVariables : DistinctNodeFinder
{
    private readonly HashSet<ParameterExpression> _found = new(ReferenceEqualityComparer.Instance);
    private readonly List<ParameterExpression> _ordered = [];

    public static List<ParameterExpression> In(Expression node)
    {
        var finder = new AssignedVariables();
        finder.Visit(node);
        return finder._ordered;
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        if (node.NodeType == ExpressionType.Assign && node.Left is ParameterExpression variable && _found.Add(variable))
            _ordered.Add(variable);
        return base.VisitBinary(node);
    }

    protected override Expression VisitLambda<T>(Expression<T> node) => node; // a nested lambda's assignments are its own
}

/// <summary>The labels that gotos in a subtree jump to.</summary>
internal sealed class JumpFinder : DistinctNodeFinder
{
    private readonly List<LabelTarget> _targets = [];

    public static List<LabelTarget> Targets(Expression node)
    {
        var finder = new JumpFinder();
        finder.Visit(node);
        return finder._targets;
    }

    protected override Expression VisitGoto(GotoExpression node)
    {
        _targets.Add(node.Target);
        return base.VisitGoto(node);
    }
}
