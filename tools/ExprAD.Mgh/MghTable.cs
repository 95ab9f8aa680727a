using System.Globalization;
using System.Text;
using ExprAD.Optimization;

namespace ExprAD.Mgh;

/// <summary>Renders the MGH results as a markdown table.</summary>
public static class MghTable
{
    public static string Render(DerivativeSource source, MinimizationMethod method)
    {
        var s = new StringBuilder();
        var what = source == DerivativeSource.Automatic ? "AD derivatives" : "central finite differences";
        s.AppendLine($"MGH problems, {what}. f = sum r_i^2; ok: f <= f* + 1e-6 max(1, f*). Evaluations: f = residual or objective evaluations alone, d = Jacobian or gradient evaluations"
            + (source == DerivativeSource.CentralDifferences ? " (each costing 2n+1 function evaluations)" : "") + ".");
        s.AppendLine();
        s.AppendLine($"| # | problem | n | m | f* (paper) | LeastSquares f | it | f/d evals | ok | Minimize ({method}) f | it | f/d evals | ok |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        int lsOk = 0, minOk = 0;
        foreach (var p in MghProblems.All)
        {
            var ls = Safe(() => MghRun.LeastSquares(p, source));
            var min = Safe(() => MghRun.Minimize(p, source, method));
            if (ls?.Reached == true) lsOk++;
            if (min?.Reached == true) minOk++;
            s.AppendLine($"| {p.Number} | {p.Name} | {p.N} | {p.M} | {G(p.FStar)} | {Cells(ls)} | {Cells(min)} |");
        }
        s.AppendLine();
        s.AppendLine($"Reached: LeastSquares {lsOk} of {MghProblems.All.Count}, Minimize {minOk} of {MghProblems.All.Count}.");
        return s.ToString();
    }

    private static MghRun? Safe(Func<MghRun> run)
    {
        try { return run(); }
        catch (NotSupportedException) { return null; }
    }

    private static string Cells(MghRun? r) => r is null
        ? "n/a | | | "
        : $"{G(r.SumOfSquares)} | {r.Report.Iterations} | {r.Report.FunctionEvaluations}/{r.Report.DerivativeEvaluations} | {(r.Reached ? "yes" : "**no**")}";

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
