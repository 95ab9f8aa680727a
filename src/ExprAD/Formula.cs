using System.Linq.Expressions;

namespace ExprAD;

/// <summary>Turns formula strings typed at run time into expression trees that <see cref="AD"/> differentiates.</summary>
public static class Formula
{
    /// <summary>
    /// Parses a formula such as <c>"sin(x)*y + x^2/2"</c> into a function of x[0..n-1], where
    /// <paramref name="variables"/>[i] names x[i].
    /// </summary>
    /// <exception cref="FormulaException">The formula is malformed or reaches outside the allowed functions.</exception>
    /// <exception cref="NotSupportedException">Always, for now: the formula parser is issue 5 and has not landed yet.</exception>
    public static Expression<Func<double[], double>> Parse(string text, params string[] variables)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(variables);
        throw new NotSupportedException("Formula.Parse is not implemented yet (issue 5: formula strings at run time).");
    }
}
