using ExprAD.Optimization;

namespace ExprAD.Mgh;

/// <summary>One problem solved by one solver with one source of derivatives, as a row of the table.</summary>
/// <param name="SumOfSquares">f = sum r_i^2 at the point reached (the paper's scale, comparable with f*).</param>
public sealed record MghRun(MghProblem Problem, double SumOfSquares, OptimizationReport Report)
{
    /// <summary>Whether the acceptance test f &lt;= f* + 1e-6 max(1, f*) holds.</summary>
    public bool Reached => Problem.Reached(SumOfSquares);

    /// <summary>LeastSquares on the residuals; its Value is 0.5 * sum of squares, doubled here.</summary>
    public static MghRun LeastSquares(MghProblem p, DerivativeSource source)
    {
        var report = Optimize.LeastSquaresDetailed(p.Residuals, p.X0, new OptimizationOptions { Derivatives = source });
        return new MghRun(p, 2 * report.Value, report);
    }

    /// <summary>Minimize on f = sum r_i^2 itself (no 0.5), so Value compares with f* directly.</summary>
    public static MghRun Minimize(MghProblem p, DerivativeSource source, MinimizationMethod method = MinimizationMethod.LBfgs)
    {
        var report = Optimize.MinimizeDetailed(ExprAD.Optimization.Evaluation.SumOfSquares.Of(p.Residuals), p.X0, new OptimizationOptions { Derivatives = source, Method = method });
        return new MghRun(p, report.Value, report);
    }
}
