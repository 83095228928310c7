using BenchmarkDotNet.Running;

// Run all:   dotnet run -c Release --project bench/Palisade.Benchmarks -- --filter '*'
// One class: dotnet run -c Release --project bench/Palisade.Benchmarks -- --filter '*ParseBenchmarks*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
