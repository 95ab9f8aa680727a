using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Running;

// TorchSharp autograd against ExprAD, one class per scenario of benchmarks/ExprAD.Benchmarks. Not part of
// ExprAD.sln (libtorch is a few hundred MB); run it with
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks.Torch -- --filter '*' --job short
// Every run writes BenchmarkDotNet.Artifacts/results/*-report-full.json for tools/BenchTable.cs.
var config = DefaultConfig.Instance.AddExporter(JsonExporter.Full);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
