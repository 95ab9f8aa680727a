using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Running;

// BenchmarkDotNet options come from the command line, e.g.
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*StraightLine*'
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*' --job dry   (smoke run)
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --interleaved 1k_gmm_d10_K25.txt
//     (not BenchmarkDotNet: GMM's f and gradients timed in turn in one process, see Gmm/InterleavedGmm.cs)
// Every run also writes BenchmarkDotNet.Artifacts/results/*-report-full.json, which tools/BenchTable.cs turns
// into the README's table.
if (args.Length > 0 && args[0] == ExprAD.Benchmarks.InterleavedGmm.Flag)
{
    ExprAD.Benchmarks.InterleavedGmm.Run(args[1..]);
    return;
}
var config = DefaultConfig.Instance.AddExporter(JsonExporter.Full);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
