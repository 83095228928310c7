using System.CommandLine;
using System.Net;
using Palisade.Dns;
using Palisade.Dns.Wire;

namespace Palisade.Cli;

/// <summary>The DNS server's flags, shared by <c>serve</c> and <c>dns</c>.</summary>
internal sealed class DnsOptionsBinder
{
    public Option<string[]> Listen { get; } = new("--dns") { Description = "Serve DNS (UDP and TCP) on this address, such as 127.0.0.1:53 or [::1]:5353 (repeatable).", AllowMultipleArgumentsPerToken = false };

    public Option<string[]> Upstream { get; } = new("--upstream") { Description = "Forward names that are not blocked to this resolver, host:port (repeatable; tried in turn)." };

    public Option<string> RpzZone { get; } = new("--rpz-zone") { Description = "The name of the RPZ zone served by AXFR/IXFR on the DNS port.", DefaultValueFactory = _ => "rpz.palisade" };

    public Option<string> Action { get; } = new("--block-action") { Description = "nxdomain (default), nodata or blockpage.", DefaultValueFactory = _ => "nxdomain" };

    public Option<string[]> BlockPage { get; } = new("--block-page-address") { Description = "The block page's IPv4 and/or IPv6 address, for --block-action blockpage." };

    public Option<string[]> Notify { get; } = new("--notify") { Description = "Send NOTIFY for the RPZ zone to this secondary, host:port (repeatable)." };

    public Option<string[]> RpzAllow { get; } = new("--rpz-allow") { Description = "Allow zone transfers (AXFR/IXFR) of the RPZ zone from this prefix, such as 192.0.2.53/32 (repeatable; default: loopback and the --notify targets; others get REFUSED)." };

    public Option<string> RpzTsig { get; } = new("--rpz-tsig") { Description = "Also require zone transfers to be signed with this TSIG key, [hmac-sha256:]NAME:BASE64SECRET (RFC 8945); answers are signed with it." };

    public Option<int> TcpPerClient { get; } = new("--tcp-per-client") { Description = "The most DNS-over-TCP connections from one client address.", DefaultValueFactory = _ => DnsServerOptions.DefaultMaxTcpConnectionsPerClient };

    public Option<int> MaxCacheTtl { get; } = new("--max-cache-ttl") { Description = "The longest time, in seconds, an upstream answer is cached, and the largest TTL passed on.", DefaultValueFactory = _ => 86_400 };

    public Option<int> NegativeTtl { get; } = new("--negative-ttl")
    {
        Description = "The TTL, in seconds, of the policy zone's SOA in blocked NXDOMAIN and NODATA answers: how long resolvers behind this server cache them (RFC 2308; 0 to 10800).",
        DefaultValueFactory = _ => (int)new DnsServerOptions().NegativeTtl.TotalSeconds,
    };

    public Option<int> UdpThreads { get; } = new("--udp-threads")
    {
        Description = $"Threads serving UDP queries, each with a socket of its own on the same port (1 to {DnsServerOptions.MaxUdpThreads}; default: one per processor the process may run on).",
        DefaultValueFactory = _ => Math.Min(Environment.ProcessorCount, DnsServerOptions.MaxUdpThreads),
    };

    public Option<bool> NoUpstream { get; } = new("--no-upstream")
    {
        Description = "Answer only for blocked names (SERVFAIL for every other name): with --dns and no --upstream, say that this is meant.",
    };

    public IEnumerable<Option> All => [Listen, Upstream, NoUpstream, RpzZone, Action, BlockPage, Notify, RpzAllow, RpzTsig, TcpPerClient, MaxCacheTtl, NegativeTtl, UdpThreads];

    /// <summary>Builds validated options; the error names the flag.</summary>
    public DnsServerOptions? Bind(ParseResult parseResult, Uri? portal, out string? error)
    {
        var options = new DnsServerOptions { PortalUrl = portal };
        foreach (string text in parseResult.GetValue(Listen) ?? [])
        {
            if (!DnsServerOptions.TryParseEndPoint(text, out IPEndPoint endPoint))
            {
                error = $"--dns '{text}' is not an address:port";
                return null;
            }

            options.Listen.Add(endPoint);
        }

        foreach (string text in parseResult.GetValue(Upstream) ?? [])
        {
            if (!DnsServerOptions.TryParseEndPoint(text, out IPEndPoint endPoint) || endPoint.Port == 0)
            {
                error = $"--upstream '{text}' is not an address:port";
                return null;
            }

            options.Upstreams.Add(endPoint);
        }


        string action = parseResult.GetValue(Action)!;
        options.Action = action switch
        {
            "nxdomain" => BlockAction.NxDomain,
            "nodata" => BlockAction.NoData,
            "blockpage" => BlockAction.BlockPage,
            _ => (BlockAction)(-1),
        };
        if (!Enum.IsDefined(options.Action))
        {
            error = $"--block-action '{action}' is not one of nxdomain, nodata, blockpage";
            return null;
        }

        foreach (string text in parseResult.GetValue(BlockPage) ?? [])
        {
            if (!IPAddress.TryParse(text, out IPAddress? address))
            {
                error = $"--block-page-address '{text}' is not an IP address";
                return null;
            }

            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                options.BlockPageV6 = address;
            }
            else
            {
                options.BlockPageV4 = address;
            }
        }

        if (!Core.DomainName.TryParse(parseResult.GetValue(RpzZone)!, out Core.DomainName zone, out string? zoneError))
        {
            error = $"--rpz-zone '{parseResult.GetValue(RpzZone)}' is not a domain name: {zoneError}";
            return null;
        }

        options.RpzZone = zone.Value;
        foreach (string text in parseResult.GetValue(Notify) ?? [])
        {
            if (!DnsServerOptions.TryParseEndPoint(text, out IPEndPoint endPoint) || endPoint.Port == 0)
            {
                error = $"--notify '{text}' is not an address:port";
                return null;
            }

            options.Notify.Add(endPoint);
        }

        foreach (string text in parseResult.GetValue(RpzAllow) ?? [])
        {
            if (!Core.IpPrefix.TryParse(text, out Core.IpPrefix prefix, out string? prefixError))
            {
                error = $"--rpz-allow '{text}' is not an IP prefix: {prefixError}";
                return null;
            }

            options.RpzAllow.Add(prefix);
        }

        if (parseResult.GetValue(RpzTsig) is { } tsig)
        {
            if (!TsigKey.TryParse(tsig, out TsigKey? key, out string? tsigError))
            {
                error = $"--rpz-tsig: {tsigError}";
                return null;
            }

            options.RpzTsig = key;
        }

        options.MaxTcpConnectionsPerClient = parseResult.GetValue(TcpPerClient);
        options.MaxCacheTtl = TimeSpan.FromSeconds(parseResult.GetValue(MaxCacheTtl));
        options.NegativeTtl = TimeSpan.FromSeconds(parseResult.GetValue(NegativeTtl));
        options.UdpThreads = parseResult.GetValue(UdpThreads);
        try
        {
            if (options.Listen.Count > 0)
            {
                options.Validate();
            }
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }

        // A DNS server with nowhere to send the names it does not block answers none of them: a mistake, unless said.
        bool noUpstream = parseResult.GetValue(NoUpstream);
        if (options.Listen.Count > 0 && options.Upstreams.Count == 0 && !noUpstream)
        {
            error = "--dns without --upstream would answer only blocked names (SERVFAIL for every other): give --upstream HOST:PORT, or --no-upstream if that is meant";
            return null;
        }

        if (noUpstream && options.Upstreams.Count > 0)
        {
            error = "--no-upstream and --upstream contradict each other";
            return null;
        }

        error = null;
        return options;
    }
}
