using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Running;

// BenchmarkDotNet options come from the command line, e.g.
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*StraightLine*'
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*' --job dry   (smoke run)
// Every run also writes BenchmarkDotNet.Artifacts/results/*-report-full.json, which tools/BenchTable.cs turns
// into the README's table.
var config = DefaultConfig.Instance.AddExporter(JsonExporter.Full);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
