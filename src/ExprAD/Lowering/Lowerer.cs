using System.Linq.Expressions;
using ExprAD.Diagnostics;
using ExprAD.Rules;

namespace ExprAD.Lowering;

/// <summary>
/// Makes the tree small and regular before translation: invoked lambdas are inlined as blocks,
/// <c>&amp;&amp;</c> and <c>||</c> become conditionals (keeping their short-circuit), <c>Power</c> becomes
/// <c>Math.Pow</c>, and compound assignments to locals become plain ones. Later passes see fewer node kinds.
/// Local rectangular arrays become one-dimensional ones first (<see cref="RectangularArrays"/>), and arrays created inside
/// loops are created before them last (<see cref="LoopArrayHoisting"/>), where that keeps the meaning.
/// </summary>
internal sealed class Lowerer : DistinctNodeRewriter
{
    public static Expression Run(Expression body) => LoopArrayHoisting.Run(new Lowerer().Visit(RectangularArrays.Flatten(WithoutJumps(body)))!);

    /// <summary>
    /// Switches as conditionals and loops with a value as loops without one, then returns, jumps to enclosing loops and jumps
    /// the translator does not take as flags.
    /// </summary>
    private static Expression WithoutJumps(Expression body)
        => LoopJumpLowering.Run(OuterJumpLowering.Run(ReturnLowering.Run(ValueLoopLowering.Run(SwitchLowering.Run(body)))));

    protected override Expression VisitInvocation(InvocationExpression node)
    {
        var target = node.Expression is UnaryExpression { NodeType: ExpressionType.Quote } quote ? quote.Operand : node.Expression;
        if (CapturedExpressionCompiled(target) is { } captured) target = captured;
        if (target is not LambdaExpression lambda) throw Errors.DelegateInvoke(node);

        // invoke((p1, p2) => body, a1, a2)  ==>  { t1 = a1; t2 = a2; { p1 = t1; p2 = t2; body } }.
        // The arguments are evaluated first, in order, outside the parameters' scope: an argument may
        // mention a variable that is the very ParameterExpression object of the lambda it is passed to.
        var arguments = node.Arguments.Select(a => Visit(a)!).ToArray();
        var temporaries = lambda.Parameters.Select(p => Expression.Variable(p.Type, p.Name)).ToArray();
        var inner = lambda.Parameters.Select((p, i) => (Expression)Expression.Assign(p, temporaries[i])).ToList();
        inner.Add(Visit(WithoutJumps(lambda.Body))!);
        var outer = temporaries.Select((t, i) => (Expression)Expression.Assign(t, arguments[i])).ToList();
        outer.Add(Expression.Block(lambda.Body.Type, lambda.Parameters, inner));
        return Expression.Block(lambda.Body.Type, temporaries, outer);
    }

    /// <summary>
    /// <c>g.Compile()(...)</c> where g is a captured <c>Expression&lt;Func&lt;...&gt;&gt;</c>: the only way C# lambda syntax
    /// can call a function given as an expression. Its tree is visible, so it is inlined like Expression.Invoke.
    /// Only field reads are evaluated to find it (no user code runs here).
    /// </summary>
    private static LambdaExpression? CapturedExpressionCompiled(Expression target)
    {
        if (target is not MethodCallExpression { Method.Name: "Compile", Arguments.Count: 0, Object: { } instance }
            || !typeof(LambdaExpression).IsAssignableFrom(instance.Type))
            return null;
        return ReadCapturedField(instance) as LambdaExpression;
    }

    private static object? ReadCapturedField(Expression node) => node switch
    {
        ConstantExpression constant => constant.Value,
        MemberExpression { Member: System.Reflection.FieldInfo field, Expression: null } => field.GetValue(null),
        MemberExpression { Member: System.Reflection.FieldInfo field, Expression: { } owner } => ReadCapturedField(owner) is { } o ? field.GetValue(o) : null,
        _ => null,
    };

    protected override Expression VisitMethodCall(MethodCallExpression node)
        => LinqLowering.TryLower(node, this) ?? base.VisitMethodCall(node);

    protected override Expression VisitBinary(BinaryExpression node)
    {
        switch (node.NodeType)
        {
            case ExpressionType.AndAlso when node.Method is null:
                return Expression.Condition(Visit(node.Left)!, Visit(node.Right)!, Expression.Constant(false));
            case ExpressionType.OrElse when node.Method is null:
                return Expression.Condition(Visit(node.Left)!, Expression.Constant(true), Visit(node.Right)!);
            case ExpressionType.Power when node.Type == typeof(double):
                return Expression.Call(MathMethods.Pow, Visit(node.Left)!, Visit(node.Right)!);
        }
        if (CompoundAssignments.TryGetValue(node.NodeType, out var binary) && IsUpdatable(node.Left) && IsBuiltIn(node) && node.Conversion is null)
        {
            var right = Visit(node.Right)!;
            return Update(node.Left, old => binary == ExpressionType.Power
                ? Expression.Call(MathMethods.Pow, old, right)
                : Expression.MakeBinary(binary, old, right));
        }
        return base.VisitBinary(node);
    }

    /// <summary>No user-defined operator: Expression.PowerAssign on doubles names Math.Pow as its method, which is the built-in one.</summary>
    private static bool IsBuiltIn(BinaryExpression node) => node.Method is null || node.Method == MathMethods.Pow;

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (IsUpdatable(node.Operand) && node.Method is null && IncrementKinds.TryGetValue(node.NodeType, out var kind))
        {
            // ++v, v++, ++a[i], a[i]++: the value of a post-increment is the old value.
            var one = Expression.Constant(Convert.ChangeType(1, node.Type), node.Type);
            return Update(node.Operand, old => kind.Increment ? Expression.Add(old, one) : Expression.Subtract(old, one), returnOld: kind.Post);
        }
        return base.VisitUnary(node);
    }

    /// <summary>A local, or an element of a one-dimensional array: what compound assignments and increments are rewritten for.</summary>
    private static bool IsUpdatable(Expression target) => target is ParameterExpression or IndexExpression { Indexer: null, Arguments.Count: 1 };

    /// <summary>
    /// <c>target = update(target)</c> as plain assignments: an element's index is evaluated once, as C# does
    /// (<c>{ t = i; a[t] = update(a[t]) }</c>). Its value is the new one, or with <paramref name="returnOld"/> the old one.
    /// </summary>
    private Expression Update(Expression target, Func<Expression, Expression> update, bool returnOld = false)
    {
        var variables = new List<ParameterExpression>();
        var statements = new List<Expression>();
        var place = target;
        if (target is IndexExpression element)
        {
            var index = Expression.Variable(element.Arguments[0].Type, "index");
            variables.Add(index);
            statements.Add(Expression.Assign(index, Visit(element.Arguments[0])!));
            place = Expression.ArrayAccess(Visit(element.Object)!, index);
        }
        if (returnOld)
        {
            var old = Expression.Variable(target.Type, "old");
            variables.Add(old);
            statements.AddRange([Expression.Assign(old, place), Expression.Assign(place, update(old)), old]);
        }
        else
            statements.Add(Expression.Assign(place, update(place)));
        return statements.Count == 1 ? statements[0] : Expression.Block(target.Type, variables, statements);
    }

    private static readonly Dictionary<ExpressionType, ExpressionType> CompoundAssignments = new()
    {
        [ExpressionType.AddAssign] = ExpressionType.Add,
        [ExpressionType.AddAssignChecked] = ExpressionType.AddChecked,
        [ExpressionType.SubtractAssign] = ExpressionType.Subtract,
        [ExpressionType.SubtractAssignChecked] = ExpressionType.SubtractChecked,
        [ExpressionType.MultiplyAssign] = ExpressionType.Multiply,
        [ExpressionType.MultiplyAssignChecked] = ExpressionType.MultiplyChecked,
        [ExpressionType.DivideAssign] = ExpressionType.Divide,
        [ExpressionType.ModuloAssign] = ExpressionType.Modulo,
        [ExpressionType.PowerAssign] = ExpressionType.Power,
        // On int counters and bool flags.
        [ExpressionType.LeftShiftAssign] = ExpressionType.LeftShift,
        [ExpressionType.RightShiftAssign] = ExpressionType.RightShift,
        [ExpressionType.AndAssign] = ExpressionType.And,
        [ExpressionType.OrAssign] = ExpressionType.Or,
        [ExpressionType.ExclusiveOrAssign] = ExpressionType.ExclusiveOr,
    };

    private static readonly Dictionary<ExpressionType, (bool Increment, bool Post)> IncrementKinds = new()
    {
        [ExpressionType.PreIncrementAssign] = (true, false),
        [ExpressionType.PostIncrementAssign] = (true, true),
        [ExpressionType.PreDecrementAssign] = (false, false),
        [ExpressionType.PostDecrementAssign] = (false, true),
    };
}
