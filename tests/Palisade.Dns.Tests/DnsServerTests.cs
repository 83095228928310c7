using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>The server on 127.0.0.1:0 queried with dig, forwarding to a real unbound: blocked names carry the EDE
/// with the order, the rest resolves through the upstream and the cache, over UDP and TCP.</summary>
public sealed class DnsServerTests(UpstreamResolver upstream) : IClassFixture<UpstreamResolver>
{
    private static readonly PolicyOrder s_order = new("rkn/27-31-2018/Ид4412-18", "court-order", 0, null);

    private static CompiledPolicy Policy() => CompiledPolicy.Build(new PolicyBundle("registry.test/log", 1, 1, new byte[32], 0,
        [new("*.t.me", s_order), new("telegram.org", s_order)]));

    private async Task<DnsServer> StartAsync(Action<DnsServerOptions>? configure = null, bool withUpstream = true)
    {
        var options = new DnsServerOptions { PortalUrl = new Uri("https://registry.example/") };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, withUpstream ? upstream.Port : ExternalTool.FreePort()));
        options.UpstreamTimeout = TimeSpan.FromMilliseconds(500);
        configure?.Invoke(options);
        CompiledPolicy policy = Policy();
        var server = new DnsServer(options, () => policy);
        server.Start();
        await Task.Yield();
        return server;
    }

    /// <summary>Asks the server with dig over loopback; dig must exit 0.</summary>
    internal static async Task<string> DigAsync(DnsServer server, params string[] args)
    {
        (int exit, string output) = await ExternalTool.RunAsync("dig", ["@127.0.0.1", "-p", server.UdpEndPoints[0].Port.ToString(CultureInfo.InvariantCulture), "+tries=1", "+time=3", .. args]);
        Assert.True(exit == 0, output);
        return output;
    }

    [Fact]
    public async Task Blocked_AnswersNxDomainWithTheOrderInTheExtendedError_OverUdpAndTcp()
    {
        await using DnsServer server = await StartAsync();
        foreach (string transport in new[] { "+notcp", "+tcp" })
        {
            foreach (string name in new[] { "telegram.org", "a.t.me", "deep.a.t.me", "TELEGRAM.ORG" })
            {
                string output = await DigAsync(server, transport, name, "A");
                Assert.Contains("status: NXDOMAIN", output, StringComparison.Ordinal);
                Assert.Contains("EDE: 16 (Censored): (order rkn/27-31-2018/Ид4412-18 https://registry.example/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18)", output, StringComparison.Ordinal);
            }

            // The pattern covers names strictly below t.me: t.me itself resolves through the upstream.
            string apex = await DigAsync(server, transport, "t.me", "A");
            Assert.Contains("status: NOERROR", apex, StringComparison.Ordinal);
            Assert.Contains("192.0.2.11", apex, StringComparison.Ordinal);
            Assert.DoesNotContain("EDE", apex, StringComparison.Ordinal);
        }

        Assert.Equal(8, server.Metrics.BlockedFor("rkn/27-31-2018/Ид4412-18"));
    }

    [Fact]
    public async Task Blocked_NegativeAnswersCarryThePolicyZoneSoa_WithTheConfiguredNegativeTtl()
    {
        await using (DnsServer server = await StartAsync())
        {
            string nx = await DigAsync(server, "telegram.org", "A");
            Assert.Matches(@";; AUTHORITY SECTION:\nrpz\.palisade\.\s+60\s+IN\s+SOA\s+localhost\. hostmaster\.localhost\. 1 3600 600 604800 60", nx);
            Assert.Contains("AUTHORITY: 1", nx, StringComparison.Ordinal);
            Assert.Contains("EDE: 16 (Censored)", nx, StringComparison.Ordinal);
            Assert.Contains("rpz.palisade.", await DigAsync(server, "+noedns", "a.t.me", "TXT"), StringComparison.Ordinal);
        }

        await using (DnsServer server = await StartAsync(o => { o.NegativeTtl = TimeSpan.FromMinutes(5); o.RpzZone = "policy.example.net"; }))
        {
            Assert.Matches(@"policy\.example\.net\.\s+300\s+IN\s+SOA\s+localhost\. hostmaster\.localhost\. 1 3600 600 604800 300", await DigAsync(server, "telegram.org", "AAAA"));
        }

        // The block page's address answers need no SOA; its NODATA answers (other types) carry it.
        await using (DnsServer server = await StartAsync(o => { o.Action = BlockAction.BlockPage; o.BlockPageV4 = IPAddress.Parse("192.0.2.80"); }))
        {
            string a = await DigAsync(server, "telegram.org", "A");
            Assert.Contains("AUTHORITY: 0", a, StringComparison.Ordinal);
            string mx = await DigAsync(server, "telegram.org", "MX");
            Assert.Contains("status: NOERROR", mx, StringComparison.Ordinal);
            Assert.Contains("ANSWER: 0, AUTHORITY: 1", mx, StringComparison.Ordinal);
        }

        var options = new DnsServerOptions { NegativeTtl = TimeSpan.FromHours(4) };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Contains("--negative-ttl", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blocked_NegativeAnswer_IsCachedByAResolverBehindTheServer()
    {
        await using DnsServer server = await StartAsync(o => o.NegativeTtl = TimeSpan.FromSeconds(120));
        string directory = Directory.CreateTempSubdirectory("palisade-downstream-").FullName;
        int port = ExternalTool.FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "unbound.conf"), $$"""
            server:
              interface: 127.0.0.1
              port: {{port}}
              do-daemonize: no
              username: ""
              chroot: ""
              directory: "{{directory}}"
              pidfile: ""
              use-syslog: no
              logfile: ""
              module-config: "iterator"
              do-not-query-localhost: no
              qname-minimisation: no
            forward-zone:
              name: "."
              forward-addr: 127.0.0.1@{{server.UdpEndPoints[0].Port.ToString(CultureInfo.InvariantCulture)}}
            """, TestContext.Current.CancellationToken);
        using System.Diagnostics.Process unbound = ExternalTool.Start("unbound", "-d", "-c", Path.Combine(directory, "unbound.conf"));
        try
        {
            async Task<string> ViaUnbound(string name)
            {
                for (int attempt = 0; ; attempt++)
                {
                    (int exit, string output) = await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+tries=1", "+time=2", name, "A");
                    if (exit == 0 || attempt == 50)
                    {
                        return output;
                    }

                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }
            }

            string first = await ViaUnbound("telegram.org");
            Assert.Contains("status: NXDOMAIN", first, StringComparison.Ordinal);
            long asked = server.Metrics.BlockedFor("rkn/27-31-2018/Ид4412-18");
            Assert.Equal(1, asked);

            // The resolver answers again from its negative cache (RFC 2308) for the SOA's 120 s, not the few seconds it
            // keeps a negative answer without one: it does not ask the server again.
            string again = await ViaUnbound("telegram.org");
            Assert.Contains("status: NXDOMAIN", again, StringComparison.Ordinal);
            Assert.Matches(@"rpz\.palisade\.\s+(1[01]\d|120)\s+IN\s+SOA", again);
            Assert.Equal(asked, server.Metrics.BlockedFor("rkn/27-31-2018/Ид4412-18"));
        }
        finally
        {
            unbound.Kill();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Allowed_ResolvesThroughUpstream_ThenFromTheCache_IncludingNegativeAnswers()
    {
        await using DnsServer server = await StartAsync();
        string first = await DigAsync(server, "ok.example", "AAAA");
        Assert.Contains("2001:db8::13", first, StringComparison.Ordinal);
        string again = await DigAsync(server, "ok.example", "AAAA");
        Assert.Contains("2001:db8::13", again, StringComparison.Ordinal);

        string missing = await DigAsync(server, "nowhere.example", "A");
        Assert.Contains("status: NXDOMAIN", missing, StringComparison.Ordinal);
        Assert.DoesNotContain("EDE", missing, StringComparison.Ordinal);
        await DigAsync(server, "nowhere.example", "A");

        var metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 2, 0, 1, 0));
        Assert.Contains("palisade_dns_cache_total{result=\"hit\"} 2", metrics.ToString(), StringComparison.Ordinal);
        Assert.Contains("palisade_dns_cache_total{result=\"miss\"} 2", metrics.ToString(), StringComparison.Ordinal);
        Assert.Contains("palisade_dns_upstream_latency_seconds_count 2", metrics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeAnswer_IsTruncatedForSmallUdpBuffers_AndComplete_OverTcp()
    {
        await using DnsServer server = await StartAsync();
        string udp = await DigAsync(server, "+bufsize=512", "+ignore", "big.example", "TXT");
        Assert.Contains(" tc", udp.Split('\n').First(l => l.Contains("flags:", StringComparison.Ordinal)), StringComparison.Ordinal);
        string tcp = await DigAsync(server, "+tcp", "big.example", "TXT");
        Assert.Contains("ANSWER: 30,", tcp, StringComparison.Ordinal);
        string noEdns = await DigAsync(server, "+noedns", "+ignore", "big.example", "TXT");
        Assert.Contains(" tc", noEdns.Split('\n').First(l => l.Contains("flags:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerLongerThanAUdpForwardHolds_IsTruncatedOverUdp_AndFetchedWholeOverTcp()
    {
        await using DnsServer server = await StartAsync();
        string udp = await DigAsync(server, "+bufsize=1232", "+ignore", "huge.example", "TXT");
        Assert.Contains(" tc", udp.Split('\n').First(l => l.Contains("flags:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("status: NOERROR", udp, StringComparison.Ordinal);
        string tcp = await DigAsync(server, "+tcp", "huge.example", "TXT");
        Assert.Contains("ANSWER: 60,", tcp, StringComparison.Ordinal);

        // The UDP forward kept only a truncated reply, so nothing was cached until the TCP query fetched the whole answer.
        var metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 2, 0, 1, 0));
        Assert.Contains("palisade_dns_cache_total{result=\"miss\"} 2", metrics.ToString(), StringComparison.Ordinal);
        string again = await DigAsync(server, "+tcp", "huge.example", "TXT");
        Assert.Contains("ANSWER: 60,", again, StringComparison.Ordinal);
        metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 2, 0, 1, 0));
        Assert.Contains("palisade_dns_cache_total{result=\"hit\"} 1", metrics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnssecOk_PassesThroughToTheUpstreamAndBack()
    {
        await using DnsServer server = await StartAsync();
        string output = await DigAsync(server, "+dnssec", "ok.example", "A");
        Assert.Contains("flags: do;", output, StringComparison.Ordinal);
        Assert.Contains("192.0.2.13", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlockPageAction_AnswersTheBlockPageAddressWithTheExtendedError()
    {
        await using DnsServer server = await StartAsync(o =>
        {
            o.Action = BlockAction.BlockPage;
            o.BlockPageV4 = IPAddress.Parse("192.0.2.99");
        });
        string a = await DigAsync(server, "telegram.org", "A");
        Assert.Contains("status: NOERROR", a, StringComparison.Ordinal);
        Assert.Matches(@"telegram\.org\.\s+60\s+IN\s+A\s+192\.0\.2\.99", a);
        Assert.Contains("EDE: 16 (Censored)", a, StringComparison.Ordinal);
        string aaaa = await DigAsync(server, "telegram.org", "AAAA");
        Assert.Contains("ANSWER: 0,", aaaa, StringComparison.Ordinal);
        Assert.Contains("status: NOERROR", aaaa, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamDown_AnswersServFail_AndCountsIt()
    {
        await using DnsServer server = await StartAsync(withUpstream: false);
        string output = await DigAsync(server, "ok.example", "A");
        Assert.Contains("status: SERVFAIL", output, StringComparison.Ordinal);
        var metrics = new StringWriter();
        server.Metrics.WritePrometheus(metrics, new PolicyStatus(1, 2, 0, 1, 0));
        Assert.Contains("palisade_dns_servfail_total 1", metrics.ToString(), StringComparison.Ordinal);
        Assert.Contains("palisade_dns_upstream_failures_total 3", metrics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyQueriesInFlight_AreAllAnswered()
    {
        await using DnsServer server = await StartAsync();
        // A plain socket: one receive and one send may run at once on it (UdpClient promises less).
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        client.Connect(server.UdpEndPoints[0]);
        const int Count = 300;
        var answered = new HashSet<int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Task receiving = Task.Run(async () =>
        {
            byte[] buffer = new byte[4096];
            while (answered.Count < Count)
            {
                int received = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (received >= 2)
                {
                    answered.Add(buffer[0] << 8 | buffer[1]);
                }
            }
        }, TestContext.Current.CancellationToken);

        // Sent without waiting for answers, so that hundreds are in flight at once, forwarded ones included.
        for (int i = 0; i < Count; i++)
        {
            await client.SendAsync(DnsQueryTests.Query(i % 3 == 0 ? "telegram.org" : i % 3 == 1 ? "ok.example" : "t.me", id: (ushort)i), SocketFlags.None, TestContext.Current.CancellationToken);
        }

        await receiving;
        Assert.Equal(Count, answered.Count);
    }

    [Fact]
    public async Task PipelinedTcp_AnswersEveryQueryOnOneConnection()
    {
        await using DnsServer server = await StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.TcpEndPoints[0], TestContext.Current.CancellationToken);
        var framed = new List<byte>();
        for (int i = 0; i < 20; i++)
        {
            byte[] query = DnsQueryTests.Query(i % 2 == 0 ? "telegram.org" : "ok.example", id: (ushort)(1000 + i));
            framed.AddRange([(byte)(query.Length >> 8), (byte)query.Length, .. query]);
        }

        await socket.SendAsync(framed.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        var ids = new HashSet<int>();
        byte[] prefix = new byte[2];
        for (int i = 0; i < 20; i++)
        {
            await DnsForwarder.ReceiveExactlyAsync(socket, prefix, TestContext.Current.CancellationToken);
            byte[] message = new byte[prefix[0] << 8 | prefix[1]];
            await DnsForwarder.ReceiveExactlyAsync(socket, message, TestContext.Current.CancellationToken);
            ids.Add(message[0] << 8 | message[1]);
        }

        Assert.Equal(Enumerable.Range(1000, 20).ToHashSet(), ids);
    }

    [Fact]
    public async Task BadEdnsVersionAndNotify_GetTheirRcodes()
    {
        await using DnsServer server = await StartAsync();
        string badVersion = await DigAsync(server, "+edns=1", "+noednsneg", "ok.example", "A");
        Assert.Contains("status: BADVERS", badVersion, StringComparison.Ordinal);
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] notify = DnsQueryTests.Query("ok.example");
        notify[2] = 0x20;
        await client.SendAsync(notify, server.UdpEndPoints[0], TestContext.Current.CancellationToken);
        UdpReceiveResult answer = await client.ReceiveAsync(TestContext.Current.CancellationToken);
        Assert.Equal(DnsConstants.RcodeNotImp, answer.Buffer[3] & 0xF);
    }

    [Fact]
    public async Task MalformedQueries_GetFormErrOrAreDropped_AndTheServerGoesOn()
    {
        await using DnsServer server = await StartAsync();
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(server.UdpEndPoints[0]);
        var messages = new List<byte[]>();
        byte[] valid = DnsQueryTests.Query("www.example.com");
        for (int length = 1; length < valid.Length; length++)
        {
            messages.Add(valid[..length]);
        }

        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] noise = new byte[random.Next(1, 600)];
            random.NextBytes(noise);
            if (noise.Length > 2)
            {
                noise[2] &= 0x7F;
            }
            messages.Add(noise);
        }

        // A name that points to itself, and two pointers that point to each other, in an answer record.
        messages.Add([0, 9, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1, 0, 1, 0xC0, 19, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        messages.Add([0, 10, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1, 0, 1, 0xC0, 21, 0xC0, 19, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);

        int formErr = 0;
        foreach (byte[] message in messages)
        {
            await client.SendAsync(message, TestContext.Current.CancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            wait.CancelAfter(TimeSpan.FromMilliseconds(message.Length < 12 ? 20 : 500));
            try
            {
                UdpReceiveResult answer = await client.ReceiveAsync(wait.Token);
                Assert.True((answer.Buffer[2] & 0x80) != 0, "an answer is a response");
                Assert.True(answer.Buffer.Length >= 12 && (answer.Buffer[3] & 0xF) is DnsConstants.RcodeFormErr or DnsConstants.RcodeServFail
                    or DnsConstants.RcodeNotImp or DnsConstants.RcodeNoError or DnsConstants.RcodeNxDomain or DnsConstants.RcodeRefused);
                formErr += (answer.Buffer[3] & 0xF) == DnsConstants.RcodeFormErr ? 1 : 0;
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                // Dropped: too short to answer.
            }
        }

        Assert.True(formErr >= valid.Length - 12, $"{formErr} FORMERR answers");
        string after = await DigAsync(server, "telegram.org", "A");
        Assert.Contains("status: NXDOMAIN", after, StringComparison.Ordinal);
        Assert.Contains("192.0.2.13", await DigAsync(server, "+tcp", "ok.example", "A"), StringComparison.Ordinal);
    }
}
