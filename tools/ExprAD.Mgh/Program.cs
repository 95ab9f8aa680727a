using System.Globalization;
using ExprAD.Mgh;
using ExprAD.Optimization;

// Prints the More-Garbow-Hillstrom table: each problem solved by LeastSquares and by Minimize (L-BFGS on
// f = sum r_i^2), first with AD derivatives, then with central finite differences.
// Usage: dotnet run -c Release --project tools/ExprAD.Mgh [-- --method LBfgs|Bfgs|Newton]
var method = args.Length == 2 && args[0] == "--method" ? Enum.Parse<MinimizationMethod>(args[1]) : MinimizationMethod.LBfgs;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Console.Write(MghTable.Render(DerivativeSource.Automatic, method));
Console.WriteLine();
Console.Write(MghTable.Render(DerivativeSource.CentralDifferences, method));
