using System.Linq.Expressions;

namespace ExprAD.Mgh;

/// <summary>
/// One problem of More, Garbow and Hillstrom (ACM TOMS 7(1), 1981): residuals r(x) (f = sum r_i^2), the standard
/// starting point, and FStar, the minimum of sum r_i^2 that the paper reports.
/// </summary>
/// <param name="Number">The problem's number in the paper.</param>
/// <param name="Name">The paper's name for it.</param>
/// <param name="Residuals">x => new[] { r1, ..., rm }, from the paper's definition.</param>
/// <param name="X0">The standard starting point.</param>
/// <param name="FStar">The paper's minimum of sum r_i^2 (for problems with several, the global one).</param>
/// <param name="Note">Other minima the paper lists, or remarks; empty when none.</param>
/// <param name="FStarMoreDigits">
/// The same minimum to more digits, where the paper's six printed digits are coarser than the 1e-6 relative
/// acceptance test (Jennrich and Sampson only); null elsewhere.
/// </param>
public sealed record MghProblem(int Number, string Name, Expression<Func<double[], double[]>> Residuals, double[] X0, double FStar, string Note = "", double? FStarMoreDigits = null)
{
    /// <summary>n, the number of variables.</summary>
    public int N => X0.Length;

    /// <summary>m, the number of residuals.</summary>
    public int M => ((NewArrayExpression)Residuals.Body).Expressions.Count;

    /// <summary>The acceptance test of the issue: f &lt;= f* + 1e-6 * max(1, f*), with f = sum r_i^2.</summary>
    public bool Reached(double sumOfSquares) => sumOfSquares <= (FStarMoreDigits ?? FStar) + 1e-6 * Math.Max(1, FStarMoreDigits ?? FStar);
}
