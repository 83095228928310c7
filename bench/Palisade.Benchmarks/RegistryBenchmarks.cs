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
    private Caller _authority = null!;
    private int _next;

    /// <summary>Targets per order: a typical domain order, and a court decision listing many URLs.</summary>
    [Params(3, 300)]
    public int Targets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("palisade-bench-").FullName;
        var options = new RegistryOptions { DataDirectory = _directory };
        _registry = RegistryService.Open(options);
        _registry.AddAuthority(new AddAuthorityRequest { Id = "court", Name = "A court", Jurisdiction = "XX", Url = "https://court.example" });
        _authority = new Caller("bench", Role.Authority, "court");
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

        return _registry.IssueOrder(_authority, new IssueOrderRequest
        {
            Decision = string.Create(CultureInfo.InvariantCulture, $"D-{n}"),
            DecisionDate = "2026-01-02",
            LegalBasis = "Art. 1",
            Category = "court-order",
            Summary = "benchmark order",
            Effective = "2026-01-03T00:00:00Z",
            Targets = targets,
        }).LogIndex;
    }
}
