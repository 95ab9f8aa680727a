using System.Diagnostics;
using System.Globalization;
using System.Text;
using ExprAD.Optimization;

namespace ExprAD.Mgh;

/// <summary>Renders the MGH results as a markdown table.</summary>
public static class MghTable
{
    /// <summary>
    /// One table: LeastSquares and Minimize with each of <paramref name="methods"/>, all with derivatives from
    /// <paramref name="source"/>.
    /// </summary>
    public static string Render(DerivativeSource source, params MinimizationMethod[] methods)
    {
        var s = new StringBuilder();
        var what = source == DerivativeSource.Automatic ? "AD derivatives" : "central finite differences";
        s.AppendLine($"MGH problems, {what}. f = sum r_i^2 at the point reached; ok: f <= f* + 1e-6 max(1, f*). it: iterations. "
            + "evals f/d: evaluations of the residuals or objective alone / of the Jacobian, gradient or (Newton) Hessian, each of which also gives the value"
            + (source == DerivativeSource.CentralDifferences ? "; here each d costs 2n+1 function evaluations" : "") + ".");
        s.AppendLine();
        s.Append("| # | problem | n | m | f* (paper) | LeastSquares f | it | evals f/d | ok |");
        foreach (var method in methods) s.Append($" Minimize {method} f | it | evals f/d | ok |");
        s.AppendLine();
        s.AppendLine("|---|---|---|---|---|---|---|---|---|" + string.Concat(methods.Select(_ => "---|---|---|---|")));
        var lsOk = 0;
        var minOk = new int[methods.Length];
        var lsCost = 0L;
        var minCost = new long[methods.Length];
        var lsTime = new Stopwatch();
        var minTime = methods.Select(_ => new Stopwatch()).ToArray();
        foreach (var p in MghProblems.All)
        {
            lsTime.Start();
            var ls = Safe(() => MghRun.LeastSquares(p, source));
            lsTime.Stop();
            if (ls?.Reached == true) lsOk++;
            lsCost += Cost(ls, source);
            s.Append($"| {p.Number} | {p.Name} | {p.N} | {p.M} | {G(p.FStar)}{(p.FStarMoreDigits is null ? "" : "*")} | {Cells(ls)} |");
            for (var k = 0; k < methods.Length; k++)
            {
                var method = methods[k];
                minTime[k].Start();
                var min = Safe(() => MghRun.Minimize(p, source, method));
                minTime[k].Stop();
                if (min?.Reached == true) minOk[k]++;
                minCost[k] += Cost(min, source);
                s.Append($" {Cells(min)} |");
            }
            s.AppendLine();
        }
        s.AppendLine();
        s.AppendLine($"Reached: LeastSquares {lsOk} of {MghProblems.All.Count}"
            + string.Concat(methods.Select((m, k) => $", Minimize {m} {minOk[k]} of {MghProblems.All.Count}")) + ".");
        s.AppendLine();
        s.AppendLine((source == DerivativeSource.Automatic
                ? "Evaluations over all problems (f + d; one AD gradient or Jacobian costs a small multiple of f): "
                : "Function evaluations over all problems, differences included (f + d * (2n+1)): ")
            + $"LeastSquares {lsCost}" + string.Concat(methods.Select((m, k) => $", Minimize {m} {minCost[k]}")) + ".");
        s.AppendLine();
        s.AppendLine("Wall time over all problems, compiling the derivatives included (one run, a shared 2-core machine): "
            + $"LeastSquares {lsTime.ElapsedMilliseconds} ms" + string.Concat(methods.Select((m, k) => $", Minimize {m} {minTime[k].ElapsedMilliseconds} ms")) + ".");
        return s.ToString();
    }

    private static long Cost(MghRun? r, DerivativeSource source) => r is null ? 0
        : r.Report.FunctionEvaluations + (long)(r.Report.DerivativeEvaluations + r.Report.HessianEvaluations)
            * (source == DerivativeSource.Automatic ? 1 : 2 * r.Problem.N + 1);

    private static MghRun? Safe(Func<MghRun> run)
    {
        try { return run(); }
        catch (NotSupportedException) { return null; }
    }

    private static string Cells(MghRun? r) => r is null
        ? "n/a | | |"
        : $"{G(r.SumOfSquares)} | {r.Report.Iterations} | {r.Report.FunctionEvaluations}/{r.Report.DerivativeEvaluations + r.Report.HessianEvaluations} | {(r.Reached ? "yes" : "**no**")}";

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
