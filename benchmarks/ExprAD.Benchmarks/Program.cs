using BenchmarkDotNet.Running;

// All BenchmarkDotNet options come from the command line, e.g.
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*StraightLine*'
//   dotnet run -c Release --project benchmarks/ExprAD.Benchmarks -- --filter '*' --job dry   (smoke run)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
