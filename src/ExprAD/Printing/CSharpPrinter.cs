using System.Linq.Expressions;

namespace ExprAD.Printing;

/// <summary>Shows expression trees as readable C#. Placeholder until the real printer lands.</summary>
internal static class CSharpPrinter
{
    public static string Print(Expression expression, int maxLength = int.MaxValue)
    {
        var text = expression.ToString();
        return text.Length <= maxLength ? text : text[..maxLength] + "...";
    }
}
