using System.Linq.Expressions;

namespace ExprAD.Printing;

/// <summary>Shows expression trees as readable C#, for <see cref="AD.ToCSharp"/> and for quoting nodes in error messages.</summary>
internal static class CSharpPrinter
{
    /// <summary>
    /// Prints <paramref name="expression"/> as C#. Deterministic, culture-invariant, <c>\n</c> newlines and 4-space
    /// indentation. When the text would be longer than <paramref name="maxLength"/>, printing stops at that many
    /// characters and <c>...</c> is appended. Subtrees too deep for the remaining stack also print as <c>...</c>.
    /// </summary>
    public static string Print(Expression expression, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        return CSharpWriter.Print(expression, maxLength);
    }
}
