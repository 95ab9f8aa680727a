namespace ExprAD.Formulas;

/// <summary>Names, calls, sum/prod and x[i]: resolution against the declared vocabulary, and type checks.</summary>
internal sealed partial class FormulaParser
{
    private SyntaxNode ResolveName(Token name)
    {
        int start = name.Position;
        int end = start + name.Text.Length;
        if (FindIndex(name.Text) is { } index)
        {
            return new LoopIndexNode(start, end, index);
        }
        int variable = IndexOfVariable(name.Text);
        if (variable >= 0)
        {
            return new VariableNode(start, end, variable);
        }
        if (_vectorMode && name.Text == "x")
        {
            return ParseElement(name);
        }
        if (_vectorMode && name.Text == "n")
        {
            return new LengthNode(start, end);
        }
        if (MathVocabulary.Constants.TryGetValue(name.Text, out double value))
        {
            return new ConstantNode(start, end, value);
        }
        if (MathVocabulary.Functions.ContainsKey(name.Text))
        {
            throw new FormulaException($"function '{name.Text}' at {start} must be called with arguments, as in {name.Text}(x)", start);
        }
        if (MathVocabulary.IsReduction(name.Text))
        {
            throw new FormulaException($"'{name.Text}' at {start} must be called as {name.Text}(i, from, to, body)", start);
        }
        throw UnknownName(name, "name", NameCandidates().Concat(MathVocabulary.Functions.Keys), DescribeNames());
    }

    private SyntaxNode ParseElement(Token x)
    {
        if (!Current.Is("["))
        {
            throw new FormulaException($"'x' at {x.Position} is the input vector; index it, as in x[0] or x[i]", x.Position);
        }
        var open = Advance();
        var index = RequireInt(ParseExpression(), "an index");
        var close = Expect("]", $"an operator or ']' to close the '[' at {open.Position}");
        return new ElementNode(x.Position, close.Position + 1, index);
    }

    private SyntaxNode ParseCall(Token name)
    {
        if (MathVocabulary.IsReduction(name.Text))
        {
            return ParseReduction(name);
        }
        if (!MathVocabulary.Functions.TryGetValue(name.Text, out var function))
        {
            string? role = FindIndex(name.Text) is not null ? "a sum/prod index"
                : IndexOfVariable(name.Text) >= 0 ? "a variable"
                : _vectorMode && name.Text == "x" ? "the input vector (index it as x[i])"
                : _vectorMode && name.Text == "n" ? "the length of x"
                : MathVocabulary.Constants.ContainsKey(name.Text) ? "a constant"
                : null;
            if (role is not null)
            {
                throw new FormulaException($"'{name.Text}' at {name.Position} is {role}, not a function", name.Position);
            }
            throw UnknownName(name, "function", MathVocabulary.Functions.Keys.Append(MathVocabulary.Sum).Append(MathVocabulary.Prod),
                "; the functions are " + string.Join(" ", MathVocabulary.Functions.Keys) + " sum prod");
        }

        Advance(); // '('
        var arguments = new List<SyntaxNode>();
        if (!Current.Is(")"))
        {
            arguments.Add(RequireNumber(ParseExpression()));
            while (Current.Is(","))
            {
                Advance();
                arguments.Add(RequireNumber(ParseExpression()));
            }
        }
        var close = Expect(")", $"an operator, ',' or ')' to close the call of '{name.Text}' at {name.Position}");
        if (arguments.Count < function.MinArity || arguments.Count > function.MaxArity)
        {
            string expected = function.MinArity == function.MaxArity
                ? $"{function.MinArity} argument{(function.MinArity == 1 ? "" : "s")}"
                : $"{function.MinArity} or {function.MaxArity} arguments";
            throw new FormulaException($"'{name.Text}' at {name.Position} takes {expected}, got {arguments.Count}", name.Position);
        }
        return new CallNode(name.Position, close.Position + 1, function, arguments);
    }

    private ReductionNode ParseReduction(Token name)
    {
        Advance(); // '('
        string usage = $"{name.Text}(i, from, to, body)";
        var indexToken = Current;
        if (indexToken.Kind != TokenKind.Name)
        {
            throw Unexpected(indexToken, $"the index name of '{name.Text}' at {name.Position}, as in {usage}");
        }
        Advance();
        CheckIndexName(indexToken);
        Expect(",", $"',' after the index name of '{name.Text}' at {name.Position}, as in {usage}");
        var from = RequireInt(ParseExpression(), "a sum/prod bound");
        Expect(",", $"an operator or ',' after the lower bound of '{name.Text}' at {name.Position}, as in {usage}");
        var to = RequireInt(ParseExpression(), "a sum/prod bound");
        Expect(",", $"an operator or ',' after the upper bound of '{name.Text}' at {name.Position}, as in {usage}");
        var index = new LoopIndex(indexToken.Text, _indexCount++);
        _scope.Add(index);
        var body = RequireNumber(ParseExpression());
        _scope.RemoveAt(_scope.Count - 1);
        var close = Expect(")", $"an operator or ')' to close '{name.Text}' at {name.Position}, which takes 4 arguments: {usage}");
        return new ReductionNode(name.Position, close.Position + 1, name.Text == MathVocabulary.Prod, index, from, to, body);
    }

    private void CheckIndexName(Token index)
    {
        string? taken = FindIndex(index.Text) is not null ? "the index of an enclosing sum/prod"
            : IndexOfVariable(index.Text) >= 0 ? "a declared variable"
            : index.Text == "x" ? "the input vector"
            : _vectorMode && index.Text == "n" ? "the length of x"
            : MathVocabulary.Constants.ContainsKey(index.Text) ? "a constant"
            : MathVocabulary.Functions.ContainsKey(index.Text) || MathVocabulary.IsReduction(index.Text) ? "a function"
            : MathVocabulary.CSharpWords.Contains(index.Text) ? "a reserved word"
            : null;
        if (taken is not null)
        {
            throw new FormulaException($"index name '{index.Text}' at {index.Position} is already {taken}; choose another, such as k", index.Position);
        }
    }

    private LoopIndex? FindIndex(string name)
    {
        for (int i = _scope.Count - 1; i >= 0; i--)
        {
            if (_scope[i].Name == name)
            {
                return _scope[i];
            }
        }
        return null;
    }

    private int IndexOfVariable(string name)
    {
        for (int i = 0; i < _variables.Count; i++)
        {
            if (_variables[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    private IEnumerable<string> NameCandidates()
    {
        var names = _scope.Select(s => s.Name).Concat(_variables);
        if (_vectorMode)
        {
            names = names.Append("x").Append("n");
        }
        return names.Concat(MathVocabulary.Constants.Keys);
    }

    private string DescribeNames()
    {
        var known = NameCandidates().Take(12).Select(n => n == "x" && _vectorMode ? "x[i]" : n);
        return $"; expected one of: {string.Join(", ", known)}";
    }

    private FormulaException UnknownName(Token name, string what, IEnumerable<string> candidates, string fallback)
    {
        if (MathVocabulary.CSharpWords.Contains(name.Text))
        {
            return new FormulaException(
                $"'{name.Text}' at {name.Position} is not allowed: formulas are not C#; they contain only numbers, variables, math functions and operators",
                name.Position);
        }
        if (MathVocabulary.DotNetTypeNames.Contains(name.Text))
        {
            return new FormulaException(
                $"'{name.Text}' at {name.Position} is a .NET type name; formulas cannot reach .NET types, only the math functions (sin, sqrt, ...)",
                name.Position);
        }
        string hint = NameSuggestions.Hint(name.Text, candidates);
        return new FormulaException($"unknown {what} '{name.Text}' at {name.Position}{(hint.Length > 0 ? hint : fallback)}", name.Position);
    }

    private SyntaxNode RequireNumber(SyntaxNode node)
    {
        if (node.Type == SyntaxType.Bool)
        {
            throw new FormulaException(
                $"'{Snippet(node)}' at {node.Start} is a condition; expected a number (choose between numbers with c ? a : b)", node.Start);
        }
        return node;
    }

    private SyntaxNode RequireCondition(SyntaxNode node)
    {
        if (node.Type != SyntaxType.Bool)
        {
            throw new FormulaException($"'{Snippet(node)}' at {node.Start} is a number; expected a condition such as x > 0", node.Start);
        }
        return node;
    }

    private SyntaxNode RequireInt(SyntaxNode node, string role)
    {
        if (node.Type != SyntaxType.Int)
        {
            throw new FormulaException(
                $"'{Snippet(node)}' at {node.Start} is not an integer; {role} must be an integer expression (integer literals, sum/prod indices, n, + - * and parentheses)",
                node.Start);
        }
        return node;
    }

    private string Snippet(SyntaxNode node)
    {
        string text = _text[node.Start..node.End];
        return text.Length <= 32 ? text : text[..29] + "...";
    }
}
