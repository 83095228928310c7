using BenchmarkDotNet.Attributes;
using Palisade.Core;

namespace Palisade.Benchmarks;

/// <summary>Parsing the core values: canonical ASCII (the common case in bulk imports) and input that needs work.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const string CanonicalDomain = "www.example.com";
    private const string UnicodeDomain = "Www.Президент.РФ.";
    private const string CanonicalAceDomain = "www.xn--d1abbgf6aiiy.xn--p1ai";
    private const string CanonicalUrl = "https://www.example.com/news/2026/item?id=42";
    private const string MessyUrl = "HTTPS://Www.Example.COM:443/news/./2026/../2026/item?id=42#top";
    private const string IPv4Prefix = "198.51.100.0/22";
    private const string IPv6Prefix = "2001:db8:1234::/48";

    [Benchmark]
    public DomainName DomainName_CanonicalAscii() => DomainName.Parse(CanonicalDomain);

    [Benchmark]
    public DomainName DomainName_CanonicalAsciiSpan() => DomainName.Parse(CanonicalDomain.AsSpan());

    [Benchmark]
    public DomainName DomainName_CanonicalAce() => DomainName.Parse(CanonicalAceDomain);

    [Benchmark]
    public DomainName DomainName_Unicode() => DomainName.Parse(UnicodeDomain);

    [Benchmark]
    public UrlKey UrlKey_Canonical() => UrlKey.Parse(CanonicalUrl);

    [Benchmark]
    public UrlKey UrlKey_NeedsFullParse() => UrlKey.Parse(MessyUrl);

    [Benchmark]
    public IpPrefix IpPrefix_IPv4() => IpPrefix.Parse(IPv4Prefix);

    [Benchmark]
    public IpPrefix IpPrefix_IPv6() => IpPrefix.Parse(IPv6Prefix);
}
