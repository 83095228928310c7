using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>What an auditor overlapping writes, a hostile client and a careless authority found: each case fails
/// without its fix.</summary>
public abstract class HardeningTests(RegistryStoreKind store) : StoreTests(store)
{
    private static readonly Caller Rkn = new("k", Role.Authority, "rkn");

    [Fact]
    public async Task Verify_WhileOrdersAreAppended_EveryRunPasses()
    {
        await using RegistryFixture f = await StartAsync();
        using var stop = new CancellationTokenSource();
        int appended = 0;
        Task writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Issue(f, $"W-{appended}", $"w{appended}.example");
                Interlocked.Increment(ref appended);
            }
        }, TestContext.Current.CancellationToken);

        string log = f.BaseAddress + "log/";
        string state = Path.Combine(f.Directory, "verify.state");
        try
        {
            // Enough runs, over enough appends, that most runs overlap a write.
            for (int run = 0; run < 500 && (run < 12 || Volatile.Read(ref appended) < 200); run++)
            {
                (int exit, string stdout, string stderr) = Cli("verify", "--log", log, "--state", state);
                Assert.True(exit == 0, $"run {run} at tree size {f.Host.Registry.Log.Size}: {stdout} {stderr}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        Assert.True(appended >= 200, $"only {appended} orders were appended while verify ran");
    }

    [Fact]
    public async Task Tiles_EveryPartialWidthUpToTheTreeSize_IsServedAsPrefixOfTheFullTile()
    {
        await using RegistryFixture f = await StartAsync();
        for (int i = 0; i < 260; i++)
        {
            Issue(f, $"T-{i}", $"t{i}.example");
        }

        ulong size = f.Host.Registry.Log.Size;
        Assert.True(size > 256);
        byte[] full = await f.Http.GetByteArrayAsync("/log/tile/0/000", TestContext.Current.CancellationToken);
        foreach (int width in new[] { 1, 5, 17, 200, 255 })
        {
            byte[] partial = await f.Http.GetByteArrayAsync($"/log/tile/0/000.p/{width}", TestContext.Current.CancellationToken);
            Assert.Equal(full.AsSpan(0, width * MerkleHash.Size).ToArray(), partial);
            byte[] entries = await f.Http.GetByteArrayAsync($"/log/tile/entries/000.p/{width}", TestContext.Current.CancellationToken);
            Assert.Equal(width, TlogTiles.DecodeBundle(entries).Count);
        }

        // Beyond the tree there is nothing (the publisher may still append a few entries, never 1,000).
        using HttpResponseMessage missing = await f.Http.GetAsync("/log/tile/0/005.p/1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Auditor_PartialTileGone_FallsBackToTheFullTile()
    {
        await using RegistryFixture f = await StartAsync();
        for (int i = 0; i < 300; i++)
        {
            Issue(f, $"A-{i}", $"a{i}.example");
        }

        // A checkpoint whose last tile is partial; then the log grows past that tile.
        string oldCheckpoint = await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
        for (int i = 0; i < 260; i++)
        {
            Issue(f, $"B-{i}", $"b{i}.example");
        }

        // A log that keeps only full tiles (as C2SP tlog-tiles allows) once they exist, seen through a stale checkpoint.
        using var handler = new PartialTilesGoneHandler(Encoding.UTF8.GetBytes(oldCheckpoint), () => f.Host.Registry.Log.Size);
        using var http = new HttpClient(handler);
        var auditor = new LogAuditor(http, new Uri(f.BaseAddress, "log/"));
        NoteVerifier verifier = NoteVerifier.Parse(await auditor.FetchVerifierKeyAsync(TestContext.Current.CancellationToken));
        LogAuditResult result = await auditor.AuditAsync(verifier, null, TestContext.Current.CancellationToken);
        Assert.Equal(Checkpoint.Parse(verifier.Verify(oldCheckpoint).Text).Size, result.Checkpoint.Size);
        Assert.True(handler.PartialsRefused > 0);
    }

    [Theory]
    [InlineData("::ffff:0:0/96", "0.0.0.0/0", 422)]
    [InlineData("::ffff:198.41.0.4/128", "198.41.0.4/32", 422)]
    [InlineData("::ffff:149.154.160.0/116", "149.154.160.0/20", 201)]
    public async Task Order_IPv4MappedTarget_RecordedAndHeldToTheSafeguardsInTheIPv4Form(string target, string ipv4, int status)
    {
        await using RegistryFixture f = await StartAsync();
        ulong size = f.Host.Registry.Log.Size;
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("M-1", target));
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        JsonObject answer = await f.JsonAsync(response);
        if (status == 201)
        {
            Assert.Equal(ipv4, answer["targets"]![0]!["recorded"]!.GetValue<string>());
            Assert.Equal(target, answer["targets"]![0]!["written"]!.GetValue<string>());
            Assert.Equal([ipv4], f.Host.Registry.Queries.GetOrder("rkn", "M-1", 10, null, false)!.Targets.Select(t => t.Value));
        }
        else
        {
            // The safeguards judge what would be enforced: the IPv4 prefix.
            Assert.Equal("targets[0]", answer["field"]!.GetValue<string>());
            Assert.Contains($"'{ipv4}'", answer["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(size, f.Host.Registry.Log.Size);
        }
    }

    [Theory]
    [InlineData("64:ff9b::/96", "wider than /")]
    [InlineData("64:ff9b::c629:4/128", "protected resource '198.41.0.4/32'")]
    [InlineData("64::/16", "wider than /")]
    [InlineData("64:ff9b:1::/48", "reaches 0.0.0.0/0 through the NAT64 local-use prefix 64:ff9b:1::/48")]
    [InlineData("2002:6810::/32", "reaches 104.16.0.0/16 through the 6to4 prefix 2002::/16")]
    [InlineData("2002:c629:4::/48", "protected resource '198.41.0.4/32'")]
    [InlineData("::/96", "reaches 0.0.0.0/0 through the IPv4-compatible prefix ::/96")]
    [InlineData("::a00:0/104", "reaches 10.0.0.0/8 through the IPv4-compatible prefix ::/96")]
    public async Task Order_Nat64Target_HeldToTheIPv4Safeguards(string target, string reason)
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("N-1", target));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        string detail = (await f.JsonAsync(response))["detail"]!.GetValue<string>();
        Assert.Contains(reason, detail, StringComparison.Ordinal);
        if (target != "64::/16")
        {
            // Every embedded form names the IPv4 width rule it is held to.
            Assert.Contains("an IPv4 prefix wider than /16", detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("64:ff9b::a63:1")]
    [InlineData("64:ff9b:1:ab::a63:1")]
    [InlineData("2002:a63:1::1")]
    [InlineData("::ffff:10.99.0.1")]
    [InlineData("::10.99.0.1")]
    public async Task Lookup_IPv6SpellingOfAnIPv4Address_FindsTheIPv4Order(string ip)
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("E-1", "10.99.0.0/16"))).StatusCode);
        JsonObject result = await f.JsonAsync(await f.Http.GetAsync($"/v1/lookup?ip={Uri.EscapeDataString(ip)}", TestContext.Current.CancellationToken));
        JsonArray matches = result["matches"]!.AsArray();
        Assert.True(matches.Count == 1, result.ToJsonString());
        Assert.Equal("rkn/E-1", matches[0]!["order"]!.GetValue<string>());
        Assert.Equal("10.99.0.0/16", matches[0]!["target"]!.GetValue<string>());
        JsonObject other = await f.JsonAsync(await f.Http.GetAsync("/v1/lookup?ip=2001:db8::a63:1", TestContext.Current.CancellationToken));
        Assert.Empty(other["matches"]!.AsArray());
    }

    [Fact]
    public async Task Order_Nat64HostOfAnOrdinaryAddress_IsAccepted_AndMappedLookupFindsIPv4Order()
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("N-2", "64:ff9b::9599:a101/128"))).StatusCode);
        JsonObject body = RegistryFixture.Order("N-3", "198.41.0.4/32");
        body["overrides"] = new JsonArray(new JsonObject { ["target"] = "198.41.0.4/32", ["justification"] = "test of the safeguard" });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, body)).StatusCode);
        JsonObject result = await f.JsonAsync(await f.Http.GetAsync("/v1/lookup?ip=::ffff:198.41.0.4", TestContext.Current.CancellationToken));
        JsonArray matches = result["matches"]!.AsArray();
        Assert.True(matches.Count == 1, result.ToJsonString());
        Assert.Single(matches);
        Assert.Equal("rkn/N-3", matches[0]!["order"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("https://user:pass@example.org/")]
    [InlineData("https://user@example.org/path")]
    [InlineData("http://:secret@example.org/")]
    public async Task Order_UrlWithUserinfo_Refused(string url)
    {
        await using RegistryFixture f = await StartAsync();
        ulong size = f.Host.Registry.Log.Size;
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("U-1", url));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string detail = (await f.JsonAsync(response))["detail"]!.GetValue<string>();
        Assert.Contains("public and permanent", detail, StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("27-31\u202E8102")]
    [InlineData("27-31\u200B-2018")]
    [InlineData("A\u2028B")]
    [InlineData("A\u0007B")]
    [InlineData("\uFEFF123")]
    public async Task Order_DecisionThatBreaksOrSpoofsReferences_Refused(string decision)
    {
        await using RegistryFixture f = await StartAsync();
        ulong size = f.Host.Registry.Log.Size;
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decision, "a.example"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("decision", (await f.JsonAsync(response))["field"]!.GetValue<string>());
        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Fact]
    public async Task Order_DecisionAndAuthorityName_NormalisedToNfc()
    {
        await using RegistryFixture f = await StartAsync();
        string decomposed = "Re\u0301f-1";
        using (HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decomposed, "a.example")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("rkn/R\u00E9f-1", (await f.JsonAsync(created))["reference"]!.GetValue<string>());
        }

        using HttpResponseMessage read = await f.Http.GetAsync("/v1/orders/rkn/R%C3%A9f-1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using HttpResponseMessage authority = await f.SendAsync(HttpMethod.Post, "/v1/authorities", f.AdminKey,
            new JsonObject { ["id"] = "cnil", ["name"] = "Commission nationale de l'informatique et des liberte\u0301s", ["jurisdiction"] = "FR", ["url"] = "https://cnil.example/" });
        Assert.Equal(HttpStatusCode.Created, authority.StatusCode);
        Assert.EndsWith("libert\u00E9s", (await f.JsonAsync(authority))["name"]!.GetValue<string>(), StringComparison.Ordinal);

        using HttpResponseMessage spoof = await f.SendAsync(HttpMethod.Post, "/v1/authorities", f.AdminKey,
            new JsonObject { ["id"] = "spoof", ["name"] = "Roskom\u202Eradzor", ["jurisdiction"] = "RU", ["url"] = "https://spoof.example/" });
        Assert.Equal(HttpStatusCode.BadRequest, spoof.StatusCode);
    }

    [Fact]
    public async Task Request_DuplicateMember_Refused()
    {
        await using RegistryFixture f = await StartAsync();
        ulong size = f.Host.Registry.Log.Size;
        string order = RegistryFixture.Order("DUP-1", "a.example").ToJsonString();
        string[] bodies =
        [
            order.Replace("\"decision\":\"DUP-1\"", "\"decision\":\"DUP-1\",\"decision\":\"DUP-2\"", StringComparison.Ordinal),
            order.Replace("\"targets\":[\"a.example\"]", "\"targets\":[\"a.example\"],\"targets\":[\"b.example\"]", StringComparison.Ordinal),
            order.Replace("\"targets\":[\"a.example\"]", "\"targets\":[\"a.example\"],\"overrides\":[{\"target\":\"a\",\"target\":\"b\",\"justification\":\"j\"}]", StringComparison.Ordinal),
        ];
        foreach (string body in bodies)
        {
            Assert.NotEqual(order, body);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", f.RknKey);
            using HttpResponseMessage response = await f.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("duplicate", (await f.JsonAsync(response))["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Fact]
    public async Task ApiKey_OnlyItsOwnSpellingIsAccepted_AndTheSchemeIsCaseInsensitive()
    {
        await using RegistryFixture f = await StartAsync();
        string key = f.AdminKey;
        for (int i = 0; i < 40 && !key.AsSpan(key.IndexOf('_', "pal_".Length) + 1).ContainsAny('-', '_'); i++)
        {
            key = await f.CreateKeyAsync("admin", null);
        }

        int split = key.IndexOf('_', "pal_".Length);
        string secret = key[(split + 1)..];
        Assert.Equal(43, secret.Length);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char otherLast = Alphabet[Alphabet.IndexOf(secret[^1], StringComparison.Ordinal) ^ 1];
        string[] variants =
        [
            key + "=",
            key[..(split + 1)] + secret.Replace('-', '+').Replace('_', '/'),
            key[..^1] + otherLast,
        ];
        foreach (string variant in variants)
        {
            Assert.NotEqual(key, variant);
            using HttpResponseMessage refused = await f.SendAsync(HttpMethod.Post, "/v1/keys", variant, new JsonObject { ["role"] = "auditor" });
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{variant}: {(int)refused.StatusCode}");
        }

        foreach (string scheme in new[] { "Bearer", "bearer", "BEARER" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/keys") { Content = new StringContent("{\"role\":\"auditor\"}", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", scheme + " " + key);
            using HttpResponseMessage response = await f.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Created, scheme);
        }
    }

    [Fact]
    public async Task Request_TooLarge_HasItsOwnProblemType()
    {
        await using RegistryFixture f = await StartAsync();

        // Over a plain socket: the declared length is over the limit, so the server answers before the body is sent.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(f.BaseAddress.Host, f.BaseAddress.Port, TestContext.Current.CancellationToken);
        await using System.Net.Sockets.NetworkStream stream = client.GetStream();
        string head = $"POST /v1/orders HTTP/1.1\r\nHost: {f.BaseAddress.Authority}\r\nAuthorization: Bearer {f.RknKey}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {RegistryEndpoints.MaxRequestBodyBytes + 1}\r\n\r\n{{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("HTTP/1.1 413", response, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"/problems/content-too-large\"", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/delisting/check", "{\"x\":1}", "expected an array of strings")]
    [InlineData("/v1/delisting/check", "[1,2]", "expected a string")]
    [InlineData("/v1/orders", "{\"decision\":\"W-1\",\"targets\":5}", "expected an array of strings")]
    [InlineData("/v1/orders", "[]", "expected an object")]
    public async Task WrongJsonShape_IsAProblemThatSaysWhatWasExpected_WithoutDotNetTypeNames(string path, string body, string expected)
    {
        await using RegistryFixture f = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", f.RknKey);
        using HttpResponseMessage response = await f.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string detail = (await f.JsonAsync(response))["detail"]!.GetValue<string>();
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Palisade.", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("`1", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowlorisClients_AreDropped_WhileTheCheckpointIsServed()
    {
        await using RegistryFixture f = await StartAsync(o => o.RequestHeadersTimeout = TimeSpan.FromSeconds(2));
        CancellationToken cancel = TestContext.Current.CancellationToken;
        var slow = new List<System.Net.Sockets.TcpClient>();
        try
        {
            // 200 clients each send a request line and then one header byte every half second, never finishing.
            for (int i = 0; i < 200; i++)
            {
                var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(f.BaseAddress.Host, f.BaseAddress.Port, cancel);
                await client.GetStream().WriteAsync("GET /log/checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: "u8.ToArray(), cancel);
                slow.Add(client);
            }

            var started = System.Diagnostics.Stopwatch.StartNew();
            int dropped = 0;
            while (dropped < slow.Count && started.Elapsed < TimeSpan.FromSeconds(30))
            {
                Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/log/checkpoint", cancel)).StatusCode);
                dropped = 0;
                foreach (System.Net.Sockets.TcpClient client in slow)
                {
                    try
                    {
                        await client.GetStream().WriteAsync("a"u8.ToArray(), cancel);
                        if (client.Available > 0 || client.Client.Poll(0, System.Net.Sockets.SelectMode.SelectRead))
                        {
                            // Closed by the server (a 408, or the end of the stream).
                            dropped++;
                        }
                    }
                    catch (IOException)
                    {
                        dropped++;
                    }
                }

                await Task.Delay(500, cancel);
            }

            Assert.True(dropped == slow.Count, $"{dropped} of {slow.Count} slow clients were dropped after {started.Elapsed}");
        }
        finally
        {
            slow.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task UnhandledFault_AnswersProblemWithTraceId_AndLogsIt()
    {
        var logged = new ListLoggerProvider();
        await using RegistryFixture f = await StartAsync(logging: b => b.AddProvider(logged));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("F-1", "a.example"))).StatusCode);

        // The database loses a table under the running server.
        f.ExecuteSql("ALTER TABLE order_events RENAME TO order_events_gone");

        using HttpResponseMessage response = await f.Http.GetAsync("/v1/orders/rkn/F-1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        JsonObject problem = await f.JsonAsync(response);
        string traceId = problem["traceId"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(traceId));
        Assert.Contains(traceId, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("order_events", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        List<(LogLevel Level, string Message, Exception? Exception)> entries;
        lock (logged.Entries)
        {
            // The server goes on logging on other threads: read a copy.
            entries = [.. logged.Entries];
        }

        (LogLevel level, string message, Exception? exception) = Assert.Single(entries, e => e.Message.Contains(traceId, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, level);
        Assert.IsAssignableFrom<System.Data.Common.DbException>(exception);
    }

    private static void Issue(RegistryFixture f, string decision, string target) =>
        f.Host.Registry.Orders.IssueOrder(Rkn, new Api.IssueOrderRequest
        {
            Decision = decision, DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
            Effective = "2026-01-01T00:00:00Z", Targets = [target],
        });

    private static (int Exit, string Stdout, string Stderr) Cli(params string[] args) => LogAuditTests.Cli(args);

    /// <summary>A log as the registry served it before: partial tiles only at the current tree size. Its first
    /// checkpoint is an older, genuinely signed one, as a verifier holds when the log grows under it.</summary>
    private sealed class PartialTilesGoneHandler(byte[] checkpoint, Func<ulong> size) : DelegatingHandler(new SocketsHttpHandler())
    {
        private bool _served;

        public int PartialsRefused { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (path.EndsWith("/log/checkpoint", StringComparison.Ordinal) && !_served)
            {
                _served = true;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(checkpoint), RequestMessage = request });
            }

            int tile = path.IndexOf("/log/tile/", StringComparison.Ordinal);
            if (tile >= 0 && TlogTiles.TryParsePath(path[(tile + "/log/tile/".Length)..], out int level, out ulong index, out int width) && width < TlogTiles.TileWidth)
            {
                ulong hashes = size() >> (TlogTiles.TileHeight * Math.Max(level, 0));
                if (index != hashes / TlogTiles.TileWidth || width != (int)(hashes % TlogTiles.TileWidth))
                {
                    PartialsRefused++;
                    return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request });
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider.Entries)
                {
                    provider.Entries.Add((logLevel, formatter(state, exception), exception));
                }
            }
        }
    }
}

/// <summary>HardeningTests on SQLite.</summary>
public sealed class HardeningTestsOnSqlite() : HardeningTests(RegistryStoreKind.Sqlite);

/// <summary>HardeningTests on PostgreSQL.</summary>
public sealed class HardeningTestsOnPostgres() : HardeningTests(RegistryStoreKind.Postgres);
