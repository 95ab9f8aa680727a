using ExprAD.Mgh;
using ExprAD.Optimization;

namespace ExprAD.Optimization.Tests;

/// <summary>
/// The acceptance: from the standard start, LeastSquares and Minimize each reach
/// f &lt;= f* + 1e-6 max(1, f*) on at least 18 of the More-Garbow-Hillstrom problems (at least 20 implemented).
/// </summary>
public class MghAcceptanceTests
{
    private const int Required = 18;

    [Fact]
    public void At_least_twenty_problems_are_implemented_from_distinct_paper_numbers()
    {
        Assert.True(MghProblems.All.Count >= 20);
        Assert.Equal(MghProblems.All.Count, MghProblems.All.Select(p => p.Number).Distinct().Count());
        foreach (var p in MghProblems.All) Assert.True(p.M >= p.N, $"{p.Name}: m = {p.M} < n = {p.N}");
    }

    [Fact]
    public void LeastSquares_reaches_the_papers_minimum_on_at_least_18()
    {
        var runs = MghProblems.All.Select(p => MghRun.LeastSquares(p, DerivativeSource.Automatic)).ToList();
        var missed = runs.Where(r => !r.Reached).Select(r => $"{r.Problem.Name}: {r.SumOfSquares:G6} vs {r.Problem.FStar:G6}");
        Assert.True(runs.Count(r => r.Reached) >= Required, "missed: " + string.Join("; ", missed));
    }

    [Fact]
    public void Minimize_reaches_the_papers_minimum_on_at_least_18()
    {
        var runs = MghProblems.All.Select(p => MghRun.Minimize(p, DerivativeSource.Automatic)).ToList();
        var missed = runs.Where(r => !r.Reached).Select(r => $"{r.Problem.Name}: {r.SumOfSquares:G6} vs {r.Problem.FStar:G6}");
        Assert.True(runs.Count(r => r.Reached) >= Required, "missed: " + string.Join("; ", missed));
    }

    [Fact]
    public void A_reached_run_reports_converged_and_the_value_at_its_point()
    {
        foreach (var p in MghProblems.All.Take(5))
        {
            var run = MghRun.LeastSquares(p, DerivativeSource.Automatic);
            var r = p.Residuals.Compile()(run.Report.X);
            Assert.Equal(r.Sum(e => e * e), run.SumOfSquares, 1e-12 * Math.Max(1, run.SumOfSquares));
            Assert.True(run.Report.Converged, p.Name + ": " + run.Report.StopReason);
        }
    }

    [Fact]
    public void The_sum_of_squares_objective_equals_the_residuals_squared()
    {
        foreach (var p in MghProblems.All)
        {
            var f = AD.Compile(Evaluation.SumOfSquares.Of(p.Residuals));
            var r = p.Residuals.Compile()(p.X0);
            var expected = r.Sum(e => e * e);
            Assert.Equal(expected, f(p.X0), 1e-12 * Math.Max(1, Math.Abs(expected)));
        }
    }
}
