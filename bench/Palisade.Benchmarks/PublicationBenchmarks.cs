using System.Globalization;
using BenchmarkDotNet.Attributes;
using Palisade.Registry;
using Palisade.Registry.Api;

namespace Palisade.Benchmarks;

/// <summary>
/// Publishing a registry version of 1,000,000 entries after a 100-target amendment: the time of
/// <see cref="RegistryVersions.PublishVersion"/>, and (printed) how much of it the writer lock was held, which is what
/// writes wait for, and the bytes it writes.
/// </summary>
[MemoryDiagnoser]
public class PublicationBenchmarks
{
    private const int Orders = 1_000;
    private const int TargetsPerOrder = 1_000;

    private string _directory = "";
    private RegistryService _registry = null!;
    private int _amendment;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("palisade-bench-").FullName;
        _registry = BenchRegistry.Open(new RegistryOptions { DataDirectory = _directory, PublishDelay = TimeSpan.FromMinutes(1) });
        for (int o = 0; o < Orders; o++)
        {
            var targets = new List<string>(TargetsPerOrder);
            for (int t = 0; t < TargetsPerOrder; t++)
            {
                targets.Add(string.Create(CultureInfo.InvariantCulture, $"blocked-{(o * TargetsPerOrder) + t}.example"));
            }

            _registry.Orders.IssueOrder(BenchRegistry.Authority, BenchRegistry.Order(string.Create(CultureInfo.InvariantCulture, $"D-{o}"), targets));
        }

        _registry.Versions.PublishVersion();
    }

    [IterationSetup]
    public void Amend()
    {
        int n = Interlocked.Increment(ref _amendment);
        var add = new List<string>(100);
        for (int t = 0; t < 100; t++)
        {
            add.Add(string.Create(CultureInfo.InvariantCulture, $"added-{n}-{t}.example"));
        }

        _registry.Orders.AmendOrder(BenchRegistry.Authority, "court", "D-0", new AmendOrderRequest { Add = add });
        _lockHeld = _registry.Writer.LockHeld;
    }

    private TimeSpan _lockHeld;

    [IterationCleanup]
    public void Report()
    {
        ulong version = _registry.Versions.LatestVersion!.Version;
        var bundle = new FileInfo(_registry.Versions.VersionFile(version, "bundle"));
        long delta = new FileInfo(_registry.Versions.VersionFile(version, "delta")).Length;
        double locked = (_registry.Writer.LockHeld - _lockHeld).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// version {version}: writer lock held {locked:F1} ms; bundle {(bundle.Exists ? bundle.Length : 0):N0} B, delta {delta:N0} B written"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _registry.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public ulong PublishAfterAmendment() => _registry.Versions.PublishVersion()!.Version;

}
