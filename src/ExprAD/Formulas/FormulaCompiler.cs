using System.Linq.Expressions;

namespace ExprAD.Formulas;

/// <summary>
/// <see cref="Formula.Parse"/>: checks the arguments, then tokenizer and parser (text checks, names, types,
/// nesting), then <see cref="FormulaLowering"/> (Dynamic LINQ, whitelist verification, loops).
/// </summary>
internal static class FormulaCompiler
{
    public static Expression<Func<double[], double>> Parse(string text, string[] variables)
    {
        CheckVariableNames(variables);
        var names = (string[])variables.Clone();
        return LargeStack.Run(() => FormulaLowering.Run(FormulaParser.Parse(text, names), names.Length));
    }

    private static void CheckVariableNames(string[] variables)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < variables.Length; k++)
        {
            string? name = variables[k];
            string? problem =
                name is null ? "is null"
                : !IsIdentifier(name) ? "is not a name (letters, digits and '_', not starting with a digit)"
                : MathVocabulary.Functions.ContainsKey(name) || MathVocabulary.IsReduction(name) ? "is a function name"
                : MathVocabulary.CSharpWords.Contains(name) ? "is a reserved word"
                : !seen.Add(name) ? "is declared twice"
                : null;
            if (problem is not null)
            {
                throw new ArgumentException($"Variable {k} ('{name}') {problem}.", nameof(variables));
            }
        }
    }

    private static bool IsIdentifier(string name)
        => name.Length is > 0 and <= 256
           && (char.IsAsciiLetter(name[0]) || name[0] == '_')
           && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
