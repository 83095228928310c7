using System.Globalization;
using BenchmarkDotNet.Attributes;
using Palisade.Registry;
using Palisade.Registry.Api;

namespace Palisade.Benchmarks;

/// <summary>
/// Durable appends through the whole write path: validation, canonical JSON, one SQLite transaction (WAL,
/// synchronous=FULL) holding the entry, the query rows and a freshly signed checkpoint.
/// </summary>
[MemoryDiagnoser]
public class RegistryAppendBenchmarks
{
    private string _directory = "";
    private RegistryService _registry = null!;
    private int _next;

    /// <summary>Targets per order: a typical domain order, and a court decision listing many URLs.</summary>
    [Params(3, 300)]
    public int Targets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("palisade-bench-").FullName;
        var options = new RegistryOptions { DataDirectory = _directory };
        _registry = BenchRegistry.Open(options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _registry.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public long IssueOrder()
    {
        int n = Interlocked.Increment(ref _next);
        var targets = new List<string>(Targets);
        for (int i = 0; i < Targets; i++)
        {
            targets.Add(string.Create(CultureInfo.InvariantCulture, $"https://site{n}.example/page/{i}"));
        }

        return _registry.Orders.IssueOrder(BenchRegistry.Authority, BenchRegistry.Order(string.Create(CultureInfo.InvariantCulture, $"D-{n}"), targets)).LogIndex;
    }
}
