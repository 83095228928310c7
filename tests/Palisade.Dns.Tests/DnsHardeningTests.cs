using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>What a hostile client and a hostile upstream found: answers inside ordered prefixes, unreadable upstream
/// answers, extreme TTLs and malformed EDNS.</summary>
public sealed class DnsHardeningTests(UpstreamResolver upstream) : IClassFixture<UpstreamResolver>
{
    private static readonly PolicyOrder s_nameOrder = new("rkn/27-31-2018/Ид4412-18", "court-order", 0, null);
    private static readonly PolicyOrder s_ipOrder = new("rkn/ip-2018-04", "court-order", 0, null);
    private static readonly PolicyOrder s_laterOrder = new("rkn/later", "court-order", 0, null);

    private static CompiledPolicy Policy(params BundleEntry[] more) => CompiledPolicy.Build(new PolicyBundle("registry.test/log", 1, 1, new byte[32], 0,
        [new("telegram.org", s_nameOrder), new("149.154.160.0/20", s_ipOrder), new("2001:67c:4e8::/48", s_ipOrder), .. more]));

    private static async Task<DnsServer> StartAsync(IPEndPoint upstreamEndPoint, Func<CompiledPolicy> policy, Action<DnsServerOptions>? configure = null)
    {
        var options = new DnsServerOptions { PortalUrl = new Uri("https://registry.example/") };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        options.Upstreams.Add(upstreamEndPoint);
        options.UpstreamTimeout = TimeSpan.FromMilliseconds(500);
        options.UpstreamAttempts = 1;
        configure?.Invoke(options);
        var server = new DnsServer(options, policy);
        server.Start();
        await Task.Yield();
        return server;
    }

    private static Task<string> DigAsync(DnsServer server, params string[] args) => DnsServerTests.DigAsync(server, args);

    [Fact]
    public async Task UpstreamAddressInsideAnOrderedPrefix_IsBlockedWithTheOrder_AlsoThroughCnameAndFromTheCache()
    {
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy);
        foreach (string transport in new[] { "+notcp", "+tcp" })
        {
            foreach ((string name, string type) in new[] { ("cdn.example", "A"), ("cdn.example", "AAAA"), ("alias.example", "A"), ("mapped.example", "AAAA"), ("cdn.example", "A"),
                // 149.154.161.7 spelt as IPv6: through the NAT64 well-known and local-use prefixes, and 6to4.
                ("nat64.example", "AAAA"), ("localnat64.example", "AAAA"), ("sixtofour.example", "AAAA") })
            {
                string output = await DigAsync(server, transport, name, type);
                Assert.Contains("status: NXDOMAIN", output, StringComparison.Ordinal);
                Assert.Contains("EDE: 16 (Censored): (order rkn/ip-2018-04 https://registry.example/orders/rkn/ip-2018-04)", output, StringComparison.Ordinal);
                Assert.DoesNotContain("149.154.161.1", output, StringComparison.Ordinal);
            }
        }

        Assert.Equal(16, server.Metrics.BlockedFor("rkn/ip-2018-04"));

        // An answer cached before an order exists is checked again when it is served from the cache.
        Assert.Contains("192.0.2.13", await DigAsync(server, "ok.example", "A"), StringComparison.Ordinal);
        policy = Policy(new BundleEntry("192.0.2.13/32", s_laterOrder));
        string cached = await DigAsync(server, "ok.example", "A");
        Assert.Contains("status: NXDOMAIN", cached, StringComparison.Ordinal);
        Assert.Contains("order rkn/later", cached, StringComparison.Ordinal);

        // With the block-page action the address is replaced by the block page's.
        await using DnsServer blockPage = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy, o =>
        {
            o.Action = BlockAction.BlockPage;
            o.BlockPageV4 = IPAddress.Parse("192.0.2.99");
        });
        string page = await DigAsync(blockPage, "cdn.example", "A");
        Assert.Matches(@"cdn\.example\.\s+60\s+IN\s+A\s+192\.0\.2\.99", page);
        Assert.Contains("EDE: 16 (Censored)", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loop")]
    [InlineData("count")]
    [InlineData("rdlength")]
    [InlineData("shorta")]
    public async Task UnreadableUpstreamAnswer_IsServFail_NotCached_AndTheServerGoesOn(string mode)
    {
        await using var hostile = new HostileUpstream();
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(hostile.EndPoint, () => policy);
        for (int i = 0; i < 2; i++)
        {
            string output = await DigAsync(server, mode + ".hostile.example", "A");
            Assert.Contains("status: SERVFAIL", output, StringComparison.Ordinal);
        }

        Assert.Equal(2, hostile.Queries);
        var metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 3, 0, 1, 0));
        Assert.Contains("palisade_dns_upstream_malformed_total 2", metrics.ToString(), StringComparison.Ordinal);
        Assert.Contains("status: NXDOMAIN", await DigAsync(server, "telegram.org", "A"), StringComparison.Ordinal);
        Assert.Contains("rkn/ip-2018-04", await DigAsync(server, "fine.hostile.example", "A"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TtlAbove2To31_CountsAsZero_AndIsNotCached_LongTtlIsCapped()
    {
        await using var hostile = new HostileUpstream();
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(hostile.EndPoint, () => policy, o => o.MaxCacheTtl = TimeSpan.FromHours(1));
        for (int i = 0; i < 2; i++)
        {
            string output = await DigAsync(server, "hugettl.hostile.example", "A");
            Assert.Matches(@"hugettl\.hostile\.example\.\s+0\s+IN\s+A\s+192\.0\.2\.50", output);
        }

        Assert.Equal(2, hostile.Queries);
        for (int i = 0; i < 2; i++)
        {
            string output = await DigAsync(server, "weekttl.hostile.example", "A");
            Assert.Matches(@"weekttl\.hostile\.example\.\s+3600\s+IN\s+A\s+192\.0\.2\.51", output);
        }

        Assert.Equal(3, hostile.Queries);
    }

    [Theory]
    [InlineData("two OPT records")]
    [InlineData("option overruns the RDATA")]
    [InlineData("option header cut short")]
    [InlineData("OPT owner not the root")]
    public async Task EdnsErrors_GetFormErr(string kind)
    {
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy);
        byte[] query = DnsQueryTests.Query("ok.example", edns: false);
        query[11] = 1;
        byte[] opt = kind switch
        {
            "two OPT records" => [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0],
            "option overruns the RDATA" => [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 8, 1, 2],
            "option header cut short" => [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 2, 0, 10],
            _ => [1, (byte)'a', 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0],
        };
        if (kind == "two OPT records")
        {
            query[11] = 2;
        }

        byte[] message = [.. query, .. opt];
        foreach (bool tcp in new[] { false, true })
        {
            byte[] answer = tcp ? await TcpExchangeAsync(server, message) : await UdpExchangeAsync(server, message);
            Assert.True((answer[2] & 0x80) != 0);
            Assert.Equal(DnsConstants.RcodeFormErr, answer[3] & 0xF);
        }
    }

    [Fact]
    public async Task OneClientHoldingAThousandTcpConnections_DoesNotShutOutAnother()
    {
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy);
        List<Socket> held = await HoldConnectionsAsync(server, IPAddress.Parse("127.0.0.2"), 1000);
        try
        {
            byte[] answer = await TcpExchangeAsync(server, DnsQueryTests.Query("ok.example"));
            Assert.Equal(DnsConstants.RcodeNoError, answer[3] & 0xF);
            Assert.Equal(1, answer[7]);
            var metrics = new StringWriter();
            server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 3, 0, 1, 0));
            Assert.Contains("palisade_dns_tcp_connections_closed_total{reason=\"limit\"} " + (1000 - DnsServerOptions.DefaultMaxTcpConnectionsPerClient), metrics.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task EveryTcpSlotTaken_TheLongestIdleConnectionMakesRoom()
    {
        CompiledPolicy policy = Policy();
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy, o => o.MaxTcpConnections = 8);
        List<Socket> held = await HoldConnectionsAsync(server, IPAddress.Parse("127.0.0.2"), 8);
        try
        {
            byte[] answer = await TcpExchangeAsync(server, DnsQueryTests.Query("ok.example"));
            Assert.Equal(DnsConstants.RcodeNoError, answer[3] & 0xF);

            // The first connection opened was idle for longest: the server closed it.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(5));
            Assert.Equal(0, await held[0].ReceiveAsync(new byte[2], SocketFlags.None, wait.Token));
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task RpzTransfer_OnlyToAllowedAddresses_OthersRefused()
    {
        CompiledPolicy policy = ZonePolicy(10);
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy, o => o.RpzAllow.Add(Core.IpPrefix.Parse("127.0.0.1/32")));
        server.Rpz!.Update(policy);
        string allowed = await DigAsync(server, "-b", "127.0.0.1", "rpz.palisade", "AXFR");
        Assert.Contains("n9.blocked.example.rpz.palisade.", allowed, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer failed", allowed, StringComparison.Ordinal);
        foreach (string type in new[] { "AXFR", "IXFR=0" })
        {
            string refused = await DigAsync(server, "-b", "127.0.0.2", "rpz.palisade", type);
            Assert.Contains("Transfer failed", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("blocked.example", refused, StringComparison.Ordinal);
        }

        byte[] answer = await TcpExchangeAsync(server, DnsQueryTests.Query("rpz.palisade", DnsConstants.TypeAxfr, edns: false), IPAddress.Parse("127.0.0.2"));
        Assert.Equal(DnsConstants.RcodeRefused, answer[3] & 0xF);
        Assert.Equal(0, answer[7]);
    }

    [Fact]
    public async Task RpzTransfer_WithTsig_SignedRequestsOnly_AndEveryMessageSigned()
    {
        const string Secret = "c2VjcmV0LWtleS1mb3ItcGFsaXNhZGUtcnB6LXRyYW5zZmVycw==";
        Assert.True(TsigKey.TryParse("hmac-sha256:xfr.palisade:" + Secret, out TsigKey? key, out string? error), error);
        CompiledPolicy policy = ZonePolicy(3000);
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy, o => o.RpzTsig = key);
        server.Rpz!.Update(policy);

        // dig checks the TSIG of every message and fails the transfer on the first that does not verify.
        string signed = await DigAsync(server, "-y", "hmac-sha256:xfr.palisade:" + Secret, "rpz.palisade", "AXFR");
        Assert.DoesNotContain("Transfer failed", signed, StringComparison.Ordinal);
        Assert.DoesNotContain("ouldn't verify", signed, StringComparison.Ordinal);
        Assert.Contains("n2999.blocked.example.rpz.palisade.", signed, StringComparison.Ordinal);
        Assert.True(Regex.Count(signed, @"xfr\.palisade\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.") > 2, "several messages, each signed");

        string unsigned = await DigAsync(server, "rpz.palisade", "AXFR");
        Assert.Contains("Transfer failed", unsigned, StringComparison.Ordinal);
        string wrongKey = await DigAsync(server, "-y", "hmac-sha256:xfr.palisade:d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZw==", "rpz.palisade", "AXFR");
        Assert.DoesNotContain("n1.blocked.example", wrongKey, StringComparison.Ordinal);
        string otherName = await DigAsync(server, "-y", "hmac-sha256:other.key:" + Secret, "rpz.palisade", "AXFR");
        Assert.DoesNotContain("n1.blocked.example", otherName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RpzTransfers_BeyondTheLimit_GetServFail_AndTcpDnsGoesOn()
    {
        CompiledPolicy policy = ZonePolicy(100_000);
        await using DnsServer server = await StartAsync(new IPEndPoint(IPAddress.Loopback, upstream.Port), () => policy, o => o.MaxConcurrentTransfers = 2);
        server.Rpz!.Update(policy);
        byte[] axfr = DnsQueryTests.Query("rpz.palisade", DnsConstants.TypeAxfr, edns: false);
        byte[] framed = [(byte)(axfr.Length >> 8), (byte)axfr.Length, .. axfr];

        // Two secondaries ask and never read: their transfers stall on full socket buffers and hold both slots.
        var stalled = new List<Socket>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(server.TcpEndPoints[0], TestContext.Current.CancellationToken);
                await socket.SendAsync(framed, SocketFlags.None, TestContext.Current.CancellationToken);
                stalled.Add(socket);
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
            byte[] third = await TcpExchangeAsync(server, axfr);
            Assert.Equal(DnsConstants.RcodeServFail, third[3] & 0xF);
            byte[] query = await TcpExchangeAsync(server, DnsQueryTests.Query("ok.example"));
            Assert.Equal(DnsConstants.RcodeNoError, query[3] & 0xF);
        }
        finally
        {
            stalled.ForEach(s => s.Dispose());
        }

        // Once they are gone, a transfer is served whole again.
        string whole = await DigAsync(server, "rpz.palisade", "AXFR");
        Assert.Contains("n99999.blocked.example.rpz.palisade.", whole, StringComparison.Ordinal);
    }

    private static CompiledPolicy ZonePolicy(int names) => CompiledPolicy.Build(new PolicyBundle("registry.test/log", 1, 1, new byte[32], 0,
        [.. Enumerable.Range(0, names).Select(i => new BundleEntry(string.Create(CultureInfo.InvariantCulture, $"n{i}.blocked.example"), s_nameOrder))
            .OrderBy(e => e.Target, StringComparer.Ordinal)]));

    /// <summary>Opens connections from <paramref name="from"/> that never send anything, one after another, so the
    /// server admits them in order.</summary>
    private static async Task<List<Socket>> HoldConnectionsAsync(DnsServer server, IPAddress from, int count)
    {
        var sockets = new List<Socket>(count);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(server.TcpEndPoints[0], TestContext.Current.CancellationToken);
            sockets.Add(socket);
            if (i < 16)
            {
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }
        }

        // Let the server accept (and refuse) the last of them.
        await Task.Delay(300, TestContext.Current.CancellationToken);
        return sockets;
    }

    private static async Task<byte[]> UdpExchangeAsync(DnsServer server, byte[] message)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(server.UdpEndPoints[0]);
        await client.SendAsync(message, TestContext.Current.CancellationToken);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        return (await client.ReceiveAsync(wait.Token)).Buffer;
    }

    internal static async Task<byte[]> TcpExchangeAsync(DnsServer server, byte[] message, IPAddress? from = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(server.TcpEndPoints[0], TestContext.Current.CancellationToken);
        byte[] framed = [(byte)(message.Length >> 8), (byte)message.Length, .. message];
        await socket.SendAsync(framed, SocketFlags.None, TestContext.Current.CancellationToken);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        byte[] prefix = new byte[2];
        await DnsForwarder.ReceiveExactlyAsync(socket, prefix, wait.Token);
        byte[] answer = new byte[(prefix[0] << 8) | prefix[1]];
        await DnsForwarder.ReceiveExactlyAsync(socket, answer, wait.Token);
        return answer;
    }
}
