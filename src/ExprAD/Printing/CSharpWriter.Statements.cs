using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace ExprAD.Printing;

/// <summary>Blocks, if, loops, jumps and labels: nodes printed as statements.</summary>
internal sealed partial class CSharpWriter
{
    /// <summary>What happens to the value of the last statement in a sequence.</summary>
    private enum Tail
    {
        /// <summary>The value is unused: <c>expr;</c>.</summary>
        Discard,

        /// <summary>The value is the lambda's result: <c>return expr;</c>.</summary>
        Return,

        /// <summary>The value is the result of a block used as an expression: a bare <c>expr</c> line.</summary>
        Value,
    }

    private readonly HashSet<LabelTarget> _labelsUsedByGoto = [];

    // Jumps to these print as break; / continue; / return ...; instead of goto.
    private LabelTarget? _breakTarget;
    private LabelTarget? _continueTarget;
    private LabelTarget? _returnTarget;

    /// <summary>Writes <paramref name="node"/> as one or more complete lines.</summary>
    private void WriteStatement(Expression node, Tail tail)
    {
        if (_out.IsFull)
        {
            return;
        }

        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            WriteLine(Ellipsis);
            return;
        }

        if (node.Type == typeof(void))
        {
            tail = Tail.Discard;
        }

        if (node.NodeType == ExpressionType.Extension && TryReduce(node) is { } reduced)
        {
            WriteStatement(reduced, tail);
            return;
        }

        switch (node)
        {
            case BlockExpression { Variables.Count: 0 } block:
                WriteBlockContents(block, tail);
                break;
            case BlockExpression block:
                WriteBraced(block, tail);
                break;
            case ConditionalExpression conditional when PrintsAsIf(conditional, tail):
                WriteIf(conditional, tail);
                break;
            case LoopExpression loop:
                WriteLoop(loop);
                break;
            case GotoExpression jump:
                WriteJump(jump);
                WriteLine(";");
                break;
            case LabelExpression label:
                WriteLabel(label, tail);
                break;
            case TryExpression tryNode:
                WriteTry(tryNode, tail);
                break;
            case SwitchExpression switchNode when tail == Tail.Discard || !UsesSwitchExpressionForm(switchNode):
                WriteSwitchStatement(switchNode, tail);
                break;
            case UnaryExpression { NodeType: ExpressionType.Throw }:
                WriteExpression(node);
                WriteLine(";");
                break;
            case DefaultExpression when node.Type == typeof(void):
            case DebugInfoExpression:
                break; // Expression.Empty() and debug markers have nothing to show
            default:
                Write(tail == Tail.Return ? "return " : string.Empty);
                WriteExpression(node);
                WriteLine(tail == Tail.Value ? string.Empty : ";");
                break;
        }
    }

    /// <summary>Writes a block's declarations and statements without braces.</summary>
    private void WriteBlockContents(BlockExpression block, Tail tail)
    {
        foreach (var variable in block.Variables)
        {
            WriteLine($"{TypeNames.Of(variable.Type)} {NameOf(variable)};");
        }

        var statements = block.Expressions;
        for (int i = 0; i < statements.Count && !_out.IsFull; i++)
        {
            bool isLast = i == statements.Count - 1;
            if (isLast && IsRedundantReturnLabel(statements, i))
            {
                continue;
            }

            WriteStatement(statements[i], isLast ? tail : Tail.Discard);
        }
    }

    /// <summary>Writes <c>{</c>, the node's statements indented, and <c>}</c>.</summary>
    private void WriteBraced(Expression node, Tail tail)
    {
        WriteLine("{");
        _out.Indent();
        if (node is BlockExpression block)
        {
            WriteBlockContents(block, tail);
        }
        else
        {
            WriteStatement(node, tail);
        }

        _out.Unindent();
        WriteLine("}");
    }

    /// <summary>Statement-like nodes in expression position print as a block expression: <c>({ ...; value })</c>.</summary>
    private void WriteStatementsAsExpression(Expression node)
    {
        Write("({");
        WriteLine();
        _out.Indent();
        if (node is BlockExpression block)
        {
            WriteBlockContents(block, Tail.Value);
        }
        else
        {
            WriteStatement(node, Tail.Value);
        }

        _out.Unindent();
        Write("})");
    }

    private static bool PrintsAsIf(ConditionalExpression node, Tail tail)
        => tail == Tail.Discard || node.Type == typeof(void) || HasStatementBranch(node);

    private void WriteIf(ConditionalExpression node, Tail tail)
    {
        Write("if (");
        WriteExpression(node.Test);
        WriteLine(")");
        WriteBraced(node.IfTrue, tail);

        var ifFalse = SkipTrivialBlocks(node.IfFalse);
        if (ifFalse is DefaultExpression && ifFalse.Type == typeof(void))
        {
            return;
        }

        if (ifFalse is ConditionalExpression elseIf && PrintsAsIf(elseIf, tail))
        {
            Write("else ");
            WriteStatement(elseIf, tail);
            return;
        }

        WriteLine("else");
        WriteBraced(node.IfFalse, tail);
    }

    private void WriteLoop(LoopExpression node)
    {
        var (outerBreak, outerContinue) = (_breakTarget, _continueTarget);
        (_breakTarget, _continueTarget) = (node.BreakLabel, node.ContinueLabel);

        WriteLine("while (true)");
        WriteLine("{");
        _out.Indent();
        if (node.Body is BlockExpression block)
        {
            WriteBlockContents(block, Tail.Discard);
        }
        else
        {
            WriteStatement(node.Body, Tail.Discard);
        }

        // A goto from an inner loop to this loop's continue label: jumping to the end of the body does the same.
        if (node.ContinueLabel is { } continueLabel && _labelsUsedByGoto.Contains(continueLabel))
        {
            WriteLine(NameOf(continueLabel) + ": ;");
        }

        _out.Unindent();
        WriteLine("}");
        (_breakTarget, _continueTarget) = (outerBreak, outerContinue);

        if (node.BreakLabel is { } breakLabel && _labelsUsedByGoto.Contains(breakLabel))
        {
            WriteLine(NameOf(breakLabel) + ":");
        }
    }

    /// <summary>Writes a jump without the semicolon, as <c>break</c>, <c>continue</c>, <c>return x</c> or <c>goto label</c>.</summary>
    private void WriteJump(GotoExpression node)
    {
        var target = node.Target;
        if (target == _returnTarget)
        {
            Write("return");
            if (node.Value is not null)
            {
                Write(" ");
                WriteExpression(node.Value);
            }

            return;
        }

        if (target == _breakTarget)
        {
            Write("break");
        }
        else if (target == _continueTarget)
        {
            Write("continue");
        }
        else
        {
            _labelsUsedByGoto.Add(target);
            Write("goto " + NameOf(target));
        }

        // C# has no jump that carries a value; show it rather than lose it.
        if (node.Value is not null)
        {
            Write(" /* with value ");
            WriteExpression(node.Value);
            Write(" */");
        }
    }

    private void WriteLabel(LabelExpression node, Tail tail)
    {
        // The label a lambda body ends with is where return jumps land; it reads as the end of the method.
        if (node.Target == _returnTarget)
        {
            if (node.DefaultValue is not null)
            {
                WriteStatement(node.DefaultValue, tail);
            }

            return;
        }

        WriteLine(NameOf(node.Target) + ":");
        if (node.DefaultValue is not null)
        {
            WriteStatement(node.DefaultValue, tail);
        }
    }

    /// <summary>
    /// A body ending in <c>return x; retLabel: default</c> would print an unreachable <c>return default;</c>
    /// after the real return; it is left out.
    /// </summary>
    private bool IsRedundantReturnLabel(IReadOnlyList<Expression> statements, int index)
        => index > 0
            && statements[index] is LabelExpression label
            && label.Target == _returnTarget
            && SkipTrivialBlocks(statements[index - 1]) is GotoExpression jump
            && jump.Target == _returnTarget;
}
