using BenchmarkDotNet.Attributes;
using Palisade.Policy;
using Palisade.Dns;

namespace Palisade.Benchmarks;

/// <summary>
/// The change between two versions of the response policy zone at one million entries, when the newer version differs by
/// 100 targets removed and 100 added: found from the targets the delta touched (what the DNS server does after following
/// deltas), against one walk over both versions' entries (what it does after fetching a whole bundle).
/// </summary>
[MemoryDiagnoser]
public class RpzChangeBenchmarks
{
    private RpzContent _before = RpzContent.Empty;
    private RpzContent _after = RpzContent.Empty;
    private DeltaTargets _changed = new(0, []);

    [GlobalSetup]
    public void Setup()
    {
        PolicyBundle v1 = PolicyBenchmarks.CreateBundle(1_000_000);
        var order = new PolicyOrder("bench/D-new", "court-order", 0, null);
        BundleEntry[] removed = [.. v1.Entries.Where((_, i) => i % 10_000 == 5)];
        BundleEntry[] added = [.. Enumerable.Range(0, removed.Length).Select(i => new BundleEntry($"new-{i}.example", order))];
        Array.Sort(added, BundleEntry.Compare);
        var delta = new PolicyDelta(v1.Registry, 2, 1, v1.LogSize + 1, v1.LogRoot, v1.LogTimeMs + 1, new byte[32], removed, added);
        PolicyBundle v2 = delta.ApplyTo(v1);
        _before = new RpzContent(1, v1);
        _after = new RpzContent(2, v2);
        _changed = DeltaTargets.Of(1, [delta]);
        if (RpzContent.Between(_before, _after).Added.Count != RpzContent.Between(_before, _after, _changed).Added.Count)
        {
            throw new InvalidOperationException("the two ways disagree");
        }
    }

    [Benchmark(Baseline = true)]
    public int WalkBothVersions() => RpzContent.Between(_before, _after).Added.Count;

    [Benchmark]
    public int FromTheDeltaTargets() => RpzContent.Between(_before, _after, _changed).Added.Count;
}
