using System.Globalization;
using ExprAD.Mgh;
using ExprAD.Optimization;

// Prints the More-Garbow-Hillstrom tables: each problem solved by LeastSquares and by Minimize (on f = sum r_i^2,
// with L-BFGS, BFGS and Newton), first with AD derivatives, then with central finite differences.
// Usage: dotnet run -c Release --project tools/ExprAD.Mgh [-- --reasons [LBfgs|Bfgs|Newton]]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length >= 1 && args[0] == "--reasons")
{
    var method = args.Length == 2 ? Enum.Parse<MinimizationMethod>(args[1]) : MinimizationMethod.LBfgs;
    // Why each solver stopped, for diagnosing a miss.
    foreach (var p in MghProblems.All)
    {
        var ls = MghRun.LeastSquares(p, DerivativeSource.Automatic);
        var min = MghRun.Minimize(p, DerivativeSource.Automatic, method);
        Console.WriteLine($"{p.Number,2} {p.Name,-30} LS {ls.SumOfSquares:G6} {ls.Report.Converged} {ls.Report.StopReason} | Min {min.SumOfSquares:G6} {min.Report.Converged} {min.Report.StopReason}");
    }
    return;
}
Console.Write(MghTable.Render(DerivativeSource.Automatic, MinimizationMethod.LBfgs, MinimizationMethod.Bfgs, MinimizationMethod.Newton));
Console.WriteLine();
// Newton is left out here: it needs the exact Hessian.
Console.Write(MghTable.Render(DerivativeSource.CentralDifferences, MinimizationMethod.LBfgs, MinimizationMethod.Bfgs));
