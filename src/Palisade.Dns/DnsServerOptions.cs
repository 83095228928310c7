using System.Net;
using Palisade.Core;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>Settings of the DNS server; <see cref="Validate"/> names the one that is wrong.</summary>
public sealed class DnsServerOptions
{
    /// <summary>Where to serve DNS, each over UDP and TCP (port 0 picks a free port).</summary>
    public IList<IPEndPoint> Listen { get; } = [];

    /// <summary>The resolvers names that are not blocked are forwarded to, tried in turn.</summary>
    public IList<IPEndPoint> Upstreams { get; } = [];

    /// <summary>How blocked names are answered.</summary>
    public BlockAction Action { get; set; } = BlockAction.NxDomain;

    /// <summary>The block page's IPv4 address (for <see cref="BlockAction.BlockPage"/>).</summary>
    public IPAddress? BlockPageV4 { get; set; }

    /// <summary>The block page's IPv6 address (for <see cref="BlockAction.BlockPage"/>).</summary>
    public IPAddress? BlockPageV6 { get; set; }

    /// <summary>The registry's public base URL: Extended DNS Errors link to <c>{url}/orders/{authority}/{decision}</c>.</summary>
    public Uri? PortalUrl { get; set; }

    /// <summary>The name of the RPZ zone served by AXFR/IXFR on the TCP port (null: none).</summary>
    public string? RpzZone { get; set; } = "rpz.palisade";

    /// <summary>The TTL of a blocked NXDOMAIN or NODATA answer's SOA, and its MINIMUM: how long resolvers behind this
    /// server cache the negative answer (RFC 2308 §3, §5). Short by default, so that a lifted order is noticed soon.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(DnsResponseWriter.SynthesisedTtl);

    /// <summary>The most <see cref="NegativeTtl"/> may be (RFC 2308 §5 recommends at most one to three hours).</summary>
    public static readonly TimeSpan MaxNegativeTtl = TimeSpan.FromHours(3);

    /// <summary>The owner of the SOA in blocked negative answers: the policy zone (<see cref="RpzZone"/>, or
    /// <c>rpz.palisade</c> when no zone is served).</summary>
    public string PolicyZone => RpzZone ?? "rpz.palisade";

    /// <summary>Secondaries sent NOTIFY when the RPZ zone's serial changes.</summary>
    public IList<IPEndPoint> Notify { get; } = [];

    /// <summary>Addresses allowed to transfer the RPZ zone (AXFR/IXFR); empty means loopback and the
    /// <see cref="Notify"/> targets. Everyone else gets REFUSED.</summary>
    public IList<IpPrefix> RpzAllow { get; } = [];

    /// <summary>When set, a zone transfer must also be signed with this TSIG key, and its answer is signed.</summary>
    public TsigKey? RpzTsig { get; set; }

    /// <summary>Most zone transfers served at once.</summary>
    public int MaxConcurrentTransfers { get; set; } = Dns.RpzZone.DefaultMaxConcurrentTransfers;

    /// <summary>The prefixes allowed to transfer: <see cref="RpzAllow"/>, or loopback and the NOTIFY targets.</summary>
    public IReadOnlyList<IpPrefix> EffectiveRpzAllow()
    {
        if (RpzAllow.Count > 0)
        {
            return [.. RpzAllow];
        }

        var allowed = new List<IpPrefix> { IpPrefix.Parse("127.0.0.0/8"), IpPrefix.Parse("::1/128") };
        foreach (IPEndPoint target in Notify)
        {
            IPAddress address = target.Address.IsIPv4MappedToIPv6 ? target.Address.MapToIPv4() : target.Address;
            allowed.Add(IpPrefix.Create(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32));
        }

        return allowed;
    }

    /// <summary>How long to wait for one upstream answer.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Upstream attempts per query, across the upstreams in turn.</summary>
    public int UpstreamAttempts { get; set; } = 3;

    /// <summary>Most cached answers.</summary>
    public int CacheEntries { get; set; } = 100_000;

    /// <summary>Most queries being forwarded at once; beyond it a query is answered SERVFAIL.</summary>
    public int MaxInFlight { get; set; } = 10_000;

    /// <summary>Threads (on Linux each with a UDP socket of its own on the same port) that serve UDP queries; by default
    /// one per processor the process may run on.</summary>
    public int UdpThreads { get; set; } = Math.Min(Environment.ProcessorCount, MaxUdpThreads);

    /// <summary>The most <see cref="UdpThreads"/>.</summary>
    public const int MaxUdpThreads = 64;

    /// <summary>Longest time an upstream answer is cached, and the largest TTL passed on (one day by default).</summary>
    public TimeSpan MaxCacheTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Default of <see cref="MaxTcpConnectionsPerClient"/>: enough for a resolver that pipelines and transfers
    /// zones, far below <see cref="MaxTcpConnections"/>.</summary>
    public const int DefaultMaxTcpConnectionsPerClient = 32;

    /// <summary>Most TCP connections at once; when all are taken, the one idle for longest is closed for a new one.</summary>
    public int MaxTcpConnections { get; set; } = 1_000;

    /// <summary>Most TCP connections from one client address at once.</summary>
    public int MaxTcpConnectionsPerClient { get; set; } = DefaultMaxTcpConnectionsPerClient;

    /// <summary>A TCP connection with no query for this long is closed (RFC 7766 §6.2.3).</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public void Validate()
    {
        if (Listen.Count == 0)
        {
            throw new ArgumentException("Dns:Listen names no address to serve on");
        }

        if (Action == BlockAction.BlockPage && BlockPageV4 is null && BlockPageV6 is null)
        {
            throw new ArgumentException("Dns:Action is BlockPage but neither Dns:BlockPageV4 nor Dns:BlockPageV6 is set");
        }

        if (BlockPageV4 is { AddressFamily: not System.Net.Sockets.AddressFamily.InterNetwork })
        {
            throw new ArgumentException($"Dns:BlockPageV4 '{BlockPageV4}' is not an IPv4 address");
        }

        if (BlockPageV6 is { AddressFamily: not System.Net.Sockets.AddressFamily.InterNetworkV6 })
        {
            throw new ArgumentException($"Dns:BlockPageV6 '{BlockPageV6}' is not an IPv6 address");
        }

        if (MaxCacheTtl < TimeSpan.FromSeconds(1) || MaxCacheTtl.TotalSeconds > int.MaxValue)
        {
            throw new ArgumentException($"Dns:MaxCacheTtl (--max-cache-ttl) {MaxCacheTtl.TotalSeconds} s is not between one second and 2^31-1 seconds");
        }

        if (NegativeTtl < TimeSpan.Zero || NegativeTtl > MaxNegativeTtl)
        {
            throw new ArgumentException($"Dns:NegativeTtl (--negative-ttl) {NegativeTtl.TotalSeconds} s is not between 0 and {MaxNegativeTtl.TotalSeconds} seconds (RFC 2308 §5)");
        }

        if (UdpThreads is < 1 or > MaxUdpThreads)
        {
            throw new ArgumentException($"Dns:UdpThreads (--udp-threads) {UdpThreads} is not between 1 and {MaxUdpThreads}");
        }

        if (UpstreamTimeout <= TimeSpan.Zero || UpstreamAttempts < 1 || CacheEntries < 0 || MaxInFlight < 1 || MaxTcpConnections < 1 || MaxTcpConnectionsPerClient < 1 || MaxConcurrentTransfers < 1)
        {
            throw new ArgumentException("Dns: UpstreamTimeout, UpstreamAttempts, MaxInFlight, MaxTcpConnections, MaxTcpConnectionsPerClient (--tcp-per-client) and MaxConcurrentTransfers are positive, CacheEntries is not negative");
        }
    }

    /// <summary>Parses <c>host:port</c> or <c>[v6]:port</c> (the port may be 0).</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint endPoint) =>
        IPEndPoint.TryParse(text, out endPoint!) && (text.Contains("]:", StringComparison.Ordinal) || (!text.StartsWith('[') && text.Count(c => c == ':') == 1));
}
