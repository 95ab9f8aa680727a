using System.Linq.Expressions;
using ExprAD.Diagnostics;

namespace ExprAD.Compilation;

/// <summary>
/// The variables a run of statements may read before it writes them: the ones whose value on entry can matter.
/// A run that reads none of a variable's entry value can own that variable (declare it afresh) when moved into a method
/// of its own; the others must be handed in.
/// </summary>
/// <remarks>
/// One walk in execution order keeps the set of variables written on every path so far. A branch continues with what
/// both arms wrote; a jump carries its set to its label, where the sets that arrive meet; a loop is walked once with the
/// set it is entered with (later iterations are entered with more written, never less, so a read the first iteration
/// does not cover is caught there), and after it comes what its breaks carried. Nodes this walk does not know make the
/// answer unknown (null), and the caller keeps the run where it is.
/// </remarks>
internal sealed class ReadBeforeWritten
{
    private readonly HashSet<ParameterExpression> _exposed = [];
    private readonly Dictionary<LabelTarget, HashSet<ParameterExpression>> _arrived = [];
    private HashSet<ParameterExpression>? _written = []; // null where the walk is unreachable (after a jump)
    private bool _unknown;

    /// <summary>The variables the statements may read before writing them, or null when a node is not understood.</summary>
    public static HashSet<ParameterExpression>? In(IEnumerable<Expression> statements)
    {
        var walk = new ReadBeforeWritten();
        foreach (var statement in statements) walk.Walk(statement);
        return walk._unknown ? null : walk._exposed;
    }

    private void Walk(Expression? node)
    {
        if (node is null || _unknown) return;
        StackGuard.Check();
        switch (node)
        {
            case ParameterExpression variable:
                Read(variable);
                break;
            case ConstantExpression or DefaultExpression:
                break;
            case BinaryExpression { Left: ParameterExpression target } assignment when VariableUses.IsAssignment(assignment.NodeType):
                if (assignment.NodeType != ExpressionType.Assign) Read(target);
                Walk(assignment.Right);
                Write(target);
                break;
            case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse or ExpressionType.Coalesce } shortCircuit:
                Walk(shortCircuit.Left);
                var unlessRight = Copy();
                Walk(shortCircuit.Right);
                _written = unlessRight;
                break;
            case BinaryExpression binary: // also an element or member store: the array, index and object are read first
                Walk(binary.Left);
                Walk(binary.Right);
                break;
            case UnaryExpression { Operand: ParameterExpression target } step when VariableUses.IsStep(step.NodeType):
                Read(target);
                Write(target);
                break;
            case UnaryExpression unary:
                Walk(unary.Operand);
                break;
            case BlockExpression block:
                foreach (var expression in block.Expressions) Walk(expression);
                break;
            case ConditionalExpression conditional:
                Walk(conditional.Test);
                var beforeArms = Copy();
                Walk(conditional.IfTrue);
                var afterTrue = _written;
                _written = beforeArms;
                Walk(conditional.IfFalse);
                _written = Meet(afterTrue, _written);
                break;
            case LoopExpression loop:
                Walk(loop.Body);
                if (loop.ContinueLabel is { } continueLabel) _arrived.Remove(continueLabel);
                _written = loop.BreakLabel is { } breakLabel && _arrived.Remove(breakLabel, out var broke) ? broke : null;
                break;
            case GotoExpression jump:
                Walk(jump.Value);
                Arrive(jump.Target);
                _written = null;
                break;
            case LabelExpression label:
                Walk(label.DefaultValue);
                if (_arrived.Remove(label.Target, out var arrived)) _written = Meet(_written, arrived);
                break;
            case MethodCallExpression call:
                Walk(call.Object);
                WalkArguments(call.Arguments, call.Method.GetParameters());
                break;
            case InvocationExpression invocation:
                Walk(invocation.Expression);
                WalkArguments(invocation.Arguments, invocation.Expression.Type.GetMethod("Invoke")!.GetParameters());
                break;
            case IndexExpression index:
                Walk(index.Object);
                foreach (var argument in index.Arguments) Walk(argument);
                break;
            case MemberExpression member:
                Walk(member.Expression);
                break;
            case NewArrayExpression newArray:
                foreach (var expression in newArray.Expressions) Walk(expression);
                break;
            case TypeBinaryExpression typeTest:
                Walk(typeTest.Expression);
                break;
            default:
                _unknown = true;
                break;
        }
    }

    /// <summary>A variable passed by reference is read and then written.</summary>
    private void WalkArguments(IReadOnlyList<Expression> arguments, System.Reflection.ParameterInfo[] parameters)
    {
        foreach (var argument in arguments) Walk(argument);
        foreach (var variable in VariableUses.PassedByReference(arguments, parameters)) Write(variable);
    }

    private void Read(ParameterExpression variable)
    {
        if (_written is not null && !_written.Contains(variable)) _exposed.Add(variable);
    }

    private void Write(ParameterExpression variable) => _written?.Add(variable);

    private HashSet<ParameterExpression>? Copy() => _written is null ? null : [.. _written];

    private void Arrive(LabelTarget target)
    {
        if (_written is null) return;
        _arrived[target] = _arrived.TryGetValue(target, out var earlier) ? Meet(earlier, _written)! : [.. _written];
    }

    /// <summary>What is written on both of two paths; an unreachable path (null) adds no constraint.</summary>
    private static HashSet<ParameterExpression>? Meet(HashSet<ParameterExpression>? a, HashSet<ParameterExpression>? b)
    {
        if (a is null) return b;
        if (b is null) return a;
        var both = new HashSet<ParameterExpression>(a);
        both.IntersectWith(b);
        return both;
    }
}
