using System.Linq.Expressions;

namespace ExprAD.Printing;

/// <summary>Lambdas, try/catch and switch: nodes with several bodies.</summary>
internal sealed partial class CSharpWriter
{
    private void WriteLambda(LambdaExpression node)
    {
        WriteLambdaParameters(node.Parameters);
        Write(" =>");

        // Jump targets belong to the lambda they are declared in; an inner lambda starts with none.
        var (outerBreak, outerContinue, outerReturn) = (_breakTarget, _continueTarget, _returnTarget);
        (_breakTarget, _continueTarget, _returnTarget) = (null, null, FindReturnLabel(node.Body));

        var tail = node.ReturnType == typeof(void) ? Tail.Discard : Tail.Return;
        if (NeedsStatementForm(node.Body))
        {
            WriteLine();
            WriteBracedBody(node.Body, tail);
        }
        else
        {
            Write(" ");
            WriteExpression(node.Body);
        }

        (_breakTarget, _continueTarget, _returnTarget) = (outerBreak, outerContinue, outerReturn);
    }

    /// <summary>One untyped parameter reads best (<c>x =&gt; ...</c>); otherwise types are shown for clarity.</summary>
    private void WriteLambdaParameters(IReadOnlyList<ParameterExpression> parameters)
    {
        if (parameters.Count == 1 && !parameters[0].IsByRef)
        {
            Write(NameOf(parameters[0]));
            return;
        }

        Write("(");
        for (int i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            Write(i > 0 ? ", " : string.Empty);
            Write($"{(parameter.IsByRef ? "ref " : string.Empty)}{TypeNames.Of(parameter.Type)} {NameOf(parameter)}");
        }

        Write(")");
    }

    /// <summary>Like <see cref="WriteBraced"/> but leaves the cursor after <c>}</c> so the lambda can be followed by <c>)</c> or <c>,</c>.</summary>
    private void WriteBracedBody(Expression body, Tail tail)
    {
        WriteLine("{");
        _out.Indent();
        if (body is BlockExpression block)
        {
            WriteBlockContents(block, tail);
        }
        else
        {
            WriteStatement(body, tail);
        }

        _out.Unindent();
        Write("}");
    }

    /// <summary>The label a lambda body ends with is the target of its return jumps.</summary>
    private static LabelTarget? FindReturnLabel(Expression body)
    {
        var last = body is BlockExpression { Expressions.Count: > 0 } block ? block.Expressions[^1] : body;
        return last is LabelExpression label ? label.Target : null;
    }

    private void WriteTry(TryExpression node, Tail tail)
    {
        WriteLine("try");
        WriteBraced(node.Body, tail);
        foreach (var handler in node.Handlers)
        {
            if (_out.IsFull)
            {
                return;
            }

            Write("catch (" + TypeNames.Of(handler.Test));
            if (handler.Variable is not null)
            {
                Write(" " + NameOf(handler.Variable));
            }

            Write(")");
            if (handler.Filter is not null)
            {
                Write(" when (");
                WriteExpression(handler.Filter);
                Write(")");
            }

            WriteLine();
            WriteBraced(handler.Body, tail);
        }

        if (node.Fault is not null)
        {
            // A fault block runs only when the body throws; catch-all plus rethrow is the C# equivalent.
            WriteLine("catch");
            WriteLine("{");
            _out.Indent();
            WriteStatement(node.Fault, Tail.Discard);
            WriteLine("throw;");
            _out.Unindent();
            WriteLine("}");
        }

        if (node.Finally is not null)
        {
            WriteLine("finally");
            WriteBraced(node.Finally, Tail.Discard);
        }
    }

    /// <summary>A switch with a value and expression-only cases reads best as a C# switch expression.</summary>
    private static bool UsesSwitchExpressionForm(SwitchExpression node)
        => node.Type != typeof(void)
            && node.DefaultBody is not null
            && !IsStatementLike(node.DefaultBody)
            && node.Cases.All(switchCase => !IsStatementLike(switchCase.Body));

    private void WriteSwitchExpression(SwitchExpression node)
    {
        WriteOperand(node.SwitchValue, Precedence.Primary);
        WriteLine(" switch");
        WriteLine("{");
        _out.Indent();
        foreach (var switchCase in node.Cases)
        {
            if (_out.IsFull)
            {
                return;
            }

            for (int i = 0; i < switchCase.TestValues.Count; i++)
            {
                Write(i > 0 ? " or " : string.Empty);
                WriteOperand(switchCase.TestValues[i], Precedence.Relational);
            }

            Write(" => ");
            WriteOperand(switchCase.Body, Precedence.Assignment);
            WriteLine(",");
        }

        Write("_ => ");
        WriteOperand(node.DefaultBody!, Precedence.Assignment);
        WriteLine(",");
        _out.Unindent();
        Write("}");
    }

    private void WriteSwitchStatement(SwitchExpression node, Tail tail)
    {
        Write("switch (");
        WriteExpression(node.SwitchValue);
        WriteLine(")");
        WriteLine("{");
        _out.Indent();

        // Inside a C# switch, `break;` leaves the switch, so a loop's break must be spelled as a goto here.
        var outerBreak = _breakTarget;
        _breakTarget = null;
        foreach (var switchCase in node.Cases)
        {
            foreach (var testValue in switchCase.TestValues)
            {
                Write("case ");
                WriteExpression(testValue);
                WriteLine(":");
            }

            WriteSwitchSection(switchCase.Body, tail);
        }

        if (node.DefaultBody is not null)
        {
            WriteLine("default:");
            WriteSwitchSection(node.DefaultBody, tail);
        }

        _breakTarget = outerBreak;
        _out.Unindent();
        WriteLine("}");
    }

    private void WriteSwitchSection(Expression body, Tail tail)
    {
        _out.Indent();
        WriteStatement(body, tail);
        if (tail != Tail.Return && !EndsWithJump(body))
        {
            WriteLine("break;");
        }

        _out.Unindent();
    }

    private static bool EndsWithJump(Expression body)
    {
        body = SkipTrivialBlocks(body);
        if (body is BlockExpression { Expressions.Count: > 0 } block)
        {
            body = SkipTrivialBlocks(block.Expressions[^1]);
        }

        return body is GotoExpression || body.NodeType == ExpressionType.Throw;
    }
}
