using System.Globalization;
using System.Net;
using BenchmarkDotNet.Attributes;
using Palisade.Policy;

namespace Palisade.Benchmarks;

/// <summary>
/// A one-million-entry policy in the proportions of real registers (mostly names, then URLs, wildcards and prefixes):
/// loading it from its bundle bytes, and looking names, addresses and URLs up in it.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private const int Entries = 1_000_000;
    private const long Now = 1_767_225_600_000;
    private byte[] _bundle = [];
    private CompiledPolicy _policy = CompiledPolicy.Empty;
    private readonly byte[] _v4Hit = IPAddress.Parse("10.39.5.5").GetAddressBytes();
    private readonly byte[] _v6Hit = IPAddress.Parse("2001:db8:13::1").GetAddressBytes();
    private readonly byte[] _miss = IPAddress.Parse("192.0.2.1").GetAddressBytes();

    [GlobalSetup]
    public void Setup()
    {
        _bundle = CreateBundle(Entries).ToBytes();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        _policy = CompiledPolicy.Build(PolicyBundle.Parse(_bundle));
        long retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        if (!Name_ExactHit() || !Name_WildcardHit() || Name_Miss() || !Address_IPv4Hit() || !Address_IPv6Hit() || Address_Miss() || !Url_PathPrefixHit() || !Delisting_UrlTextHit() || Delisting_UrlTextMiss())
        {
            throw new InvalidOperationException("the benchmark's queries do not hit and miss as intended");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// policy: {Entries:N0} entries, bundle {_bundle.Length / 1048576.0:F1} MiB, retained {retained / 1048576.0:F1} MiB ({retained / (double)Entries:F0} B/entry)"));
    }

    /// <summary>Parse the bundle and compile it: what an enforcement point does for a new full version.</summary>
    [Benchmark]
    public int LoadFromBundle() => CompiledPolicy.Build(PolicyBundle.Parse(_bundle)).NameCount;

    [Benchmark]
    public bool Name_ExactHit() => _policy.TryMatchName("site123460.example", Now, out _, out _);

    [Benchmark]
    public bool Name_WildcardHit() => _policy.TryMatchName("cdn.a.b.zone4255.example", Now, out _, out _);

    [Benchmark]
    public bool Name_Miss() => _policy.TryMatchName("www.not-listed.example.net", Now, out _, out _);

    [Benchmark]
    public bool Address_IPv4Hit() => _policy.TryMatchAddress(_v4Hit, Now, out _, out _);

    [Benchmark]
    public bool Address_IPv6Hit() => _policy.TryMatchAddress(_v6Hit, Now, out _, out _);

    [Benchmark]
    public bool Address_Miss() => _policy.TryMatchAddress(_miss, Now, out _, out _);

    [Benchmark]
    public bool Url_PathPrefixHit() => _policy.TryMatchUrl("https://files11.example/dir/11/item.html?x=1", Now, out _, out _);

    /// <summary>One URL of a delisting check, from the text a search engine sends: canonicalised (WHATWG URL), matched
    /// as a URL (exact, path prefix), then its host as a name.</summary>
    [Benchmark]
    public bool Delisting_UrlTextHit() => Delisting("https://FILES11.example/dir/11/item.html?x=1");

    [Benchmark]
    public bool Delisting_UrlTextMiss() => Delisting("https://www.not-listed.example.net/some/page.html");

    private bool Delisting(string text)
    {
        if (!Palisade.Core.UrlKey.TryParse(text, out Palisade.Core.UrlKey key, out _))
        {
            return false;
        }

        return _policy.TryMatchUrl(key.Value, Now, out _, out _) || _policy.TryMatchName(key.Host.ToString(), Now, out _, out _);
    }

    /// <summary>55% names, 20% URLs, 15% wildcards, 10% prefixes (IPv4 /32…/20, some IPv6 /48), 100 targets per order.</summary>
    internal static PolicyBundle CreateBundle(int count)
    {
        var entries = new List<BundleEntry>(count);
        PolicyOrder order = null!;
        for (int i = 0; i < count; i++)
        {
            if (i % 100 == 0)
            {
                order = new PolicyOrder(string.Create(CultureInfo.InvariantCulture, $"rkn/27-31-{i / 100}/Ид{i}"), "court-order", Now, null);
            }

            int bucket = i % 20;
            string target = bucket switch
            {
                < 11 => string.Create(CultureInfo.InvariantCulture, $"site{i}.example"),
                < 15 => string.Create(CultureInfo.InvariantCulture, $"https://files{i % 1000}.example/dir/{i}/"),
                < 18 => string.Create(CultureInfo.InvariantCulture, $"*.zone{i}.example"),
                18 => string.Create(CultureInfo.InvariantCulture, $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32"),
                _ => i % 40 == 19
                    ? string.Create(CultureInfo.InvariantCulture, $"2001:db8:{i & 0xffff:x}::/48")
                    : string.Create(CultureInfo.InvariantCulture, $"10.{i & 255}.{(i >> 8) & 240}.0/20"),
            };
            entries.Add(new BundleEntry(target, order));
        }

        // Some generated prefixes coincide; a bundle holds each (target, order) once.
        BundleEntry[] sorted = [.. entries.Order(BundleEntry.Comparer)];
        var unique = new List<BundleEntry>(sorted.Length);
        foreach (BundleEntry entry in sorted)
        {
            if (unique.Count == 0 || BundleEntry.Compare(unique[^1], entry) != 0)
            {
                unique.Add(entry);
            }
        }

        return new PolicyBundle("registry.bench/log", 1, 1_000_000, new byte[32], Now, [.. unique]);
    }
}
