using System.Linq.Expressions;
using ExprAD.Formulas;

namespace ExprAD;

/// <summary>Turns formula strings typed at run time into expression trees that <see cref="AD"/> differentiates.</summary>
public static class Formula
{
    /// <summary>
    /// Parses a formula such as <c>"sin(x)*y + x^2/2"</c> into a function of x[0..n-1], where
    /// <paramref name="variables"/>[i] names x[i].
    /// </summary>
    /// <exception cref="FormulaException">The formula is malformed or reaches outside the allowed functions.</exception>
    /// <remarks>
    /// With no variable names the formula is a vector formula: its input is <c>x</c>, read as <c>x[0]</c>,
    /// <c>x[i]</c>, with <c>n</c> its length, and <c>sum(i, from, to, body)</c> / <c>prod(...)</c> loop over an
    /// index. The text is checked before and after System.Linq.Dynamic.Core parses it; nothing in it is run.
    /// </remarks>
    /// <param name="text">The formula, at most 100,000 characters.</param>
    /// <param name="variables">The names of x[0], x[1], ...; none for a vector formula.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="variables"/> is null.</exception>
    /// <exception cref="ArgumentException">A variable name is null, not an identifier, a function name or declared twice.</exception>
    public static Expression<Func<double[], double>> Parse(string text, params string[] variables)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(variables);
        return FormulaCompiler.Parse(text, variables);
    }
}
