namespace ExprAD.Formulas;

/// <summary>
/// Bounds checked before any text reaches System.Linq.Dynamic.Core, whose recursive-descent parser
/// kills the process with a stack overflow at about 1,600 nested parentheses or 1,200 nested calls.
/// </summary>
internal static class FormulaLimits
{
    /// <summary>Longest formula accepted, in characters.</summary>
    public const int MaxLength = 100_000;

    /// <summary>
    /// Deepest nesting accepted: parentheses, brackets, calls, unary operators and powers each count one
    /// level. The canonical text handed to Dynamic LINQ nests at most about three times deeper than this.
    /// </summary>
    public const int MaxDepth = 200;
}
