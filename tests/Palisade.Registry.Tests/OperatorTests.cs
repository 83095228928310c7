using System.Net;
using System.Text.Json.Nodes;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>Operators and their enforcement points: registered by an admin (over the API or offline), logged, public to
/// read, and checked against the log at start-up like every other derived table.</summary>
public abstract class OperatorTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Operators_AndPoints_AreRegisteredLoggedAndListed()
    {
        await using RegistryFixture f = await StartAsync();
        using NoteSigner pointKey = NoteSigner.Generate("isp-1/resolver-a");
        using (HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey,
            new JsonObject { ["id"] = "isp-1", ["name"] = "An ISP", ["kind"] = "isp", ["country"] = "IT", ["url"] = "https://isp.example/" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey, new JsonObject { ["id"] = "isp-1", ["name"] = "Again" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey, new JsonObject { ["id"] = "x", ["name"] = "X", ["kind"] = "bank" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.RknKey, new JsonObject { ["id"] = "y", ["name"] = "Y" })).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-a", ["key"] = pointKey.VerifierKey })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-b", ["key"] = "not a key" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.SendAsync(HttpMethod.Post, "/v1/operators/nobody/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-c", ["key"] = pointKey.VerifierKey })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-a", ["key"] = pointKey.VerifierKey })).StatusCode);

        // A public key belongs to one point: no other point (of this operator or another) can be registered with it.
        using (HttpResponseMessage taken = await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey, new JsonObject { ["id"] = "dns-b", ["key"] = pointKey.VerifierKey }))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Contains("resolver-a", await taken.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        JsonObject op = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-1", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("An ISP", op["name"]!.GetValue<string>());
        JsonObject point = op["points"]![0]!.AsObject();
        Assert.Equal("resolver-a", point["id"]!.GetValue<string>());
        Assert.Equal(pointKey.VerifierKey, point["key"]!.GetValue<string>());
        Assert.Null(point["ackedVersion"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/v1/operators/nobody", TestContext.Current.CancellationToken)).StatusCode);

        // Both are log entries, which the public log and the auditor carry.
        List<string> types = [.. f.Host.Registry.Queries.ReadEntries(0, (int)f.Host.Registry.Log.Size).Select(e => JsonNode.Parse(e)!["type"]!.GetValue<string>())];
        Assert.Contains("operator.registered", types);
        Assert.Contains("point.created", types);
        (int exit, _, string stderr) = LogAuditTests.Cli("verify", "--log", f.BaseAddress + "log/", "--state", Path.Combine(f.Directory, "verify.state"));
        Assert.True(exit == 0, stderr);

        // Derived from the log: a point's key changed behind the registry's back refuses the next start.
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        using (RegistryService reopened = RegistryService.Open(options))
        {
            Assert.Single(reopened.Operators.List());
        }

        Assert.Equal(1, f.ExecuteSql("UPDATE points SET vkey = 'someone+00000000+AQ==' WHERE id = 'resolver-a'"));
        var e = Assert.Throws<RegistryConfigurationException>(() => RegistryService.Open(options));
        Assert.Contains("points", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acknowledgements_SignedByThePoint_ForAPublishedVersion_AreRecorded_OthersRefused()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner key = NoteSigner.Generate("isp-1/resolver-a");
        using NoteSigner dnsKey = NoteSigner.Generate("isp-1/dns-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "resolver-a", Key = key.VerifierKey });
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "dns-1", Key = dnsKey.VerifierKey });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("A-1", "acked.example"))).StatusCode);
        RegistryVersion version = registry.Versions.PublishVersion()!;
        string origin = registry.Log.Origin;
        long now = f.Time.GetUtcNow().ToUnixTimeSeconds();

        string good = new Palisade.Policy.Acknowledgement("resolver-a", origin, version.Version, version.BundleSha256, now).Sign(key);
        Assert.Equal(HttpStatusCode.Created, await PostAckAsync(f, good));
        JsonObject op = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-1", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal((long)version.Version, op["points"]!.AsArray().Single(p => p!["id"]!.GetValue<string>() == "resolver-a")!["ackedVersion"]!.GetValue<long>());

        using NoteSigner impostor = NoteSigner.Generate("isp-1/resolver-a");
        byte[] otherHash = new byte[32];
        foreach ((string statement, HttpStatusCode status) in new[]
        {
            (good, HttpStatusCode.Conflict),
            (new Palisade.Policy.Acknowledgement("resolver-a", origin, version.Version, version.BundleSha256, now + 1).Sign(impostor), HttpStatusCode.Forbidden),
            (new Palisade.Policy.Acknowledgement("nobody", origin, version.Version, version.BundleSha256, now + 1).Sign(key), HttpStatusCode.NotFound),
            (new Palisade.Policy.Acknowledgement("resolver-a", origin, 99, version.BundleSha256, now + 1).Sign(key), HttpStatusCode.UnprocessableEntity),
            (new Palisade.Policy.Acknowledgement("resolver-a", origin, version.Version, otherHash, now + 1).Sign(key), HttpStatusCode.UnprocessableEntity),
            (new Palisade.Policy.Acknowledgement("resolver-a", "other.test/log", version.Version, version.BundleSha256, now + 1).Sign(key), HttpStatusCode.UnprocessableEntity),
            (new Palisade.Policy.Acknowledgement("resolver-a", origin, version.Version, version.BundleSha256, now + 3600).Sign(key), HttpStatusCode.UnprocessableEntity),
            ("palisade-ack/v1\npoint resolver-a\n", HttpStatusCode.BadRequest),
        })
        {
            Assert.Equal(status, await PostAckAsync(f, statement));
        }

        // By hand, with the CLI and the point's key file. (The CLI and the DNS point sign with the real clock: the
        // registry's test clock catches up with it.)
        f.Time.Advance(DateTimeOffset.UtcNow - f.Time.GetUtcNow());
        string keyFile = Path.Combine(f.Directory, "point-resolver-a.key");
        await File.WriteAllTextAsync(keyFile, key.ExportPrivateKey() + "\n", TestContext.Current.CancellationToken);
        (int exit, string stdout, string stderr) = LogAuditTests.Cli("ack", "--registry", f.BaseAddress.ToString(), "--version", version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "--key", keyFile);
        Assert.True(exit == 0, stderr);
        Assert.Contains("point resolver-a acknowledged version", stdout, StringComparison.Ordinal);

        // A firewall fed by export acknowledges what it wrote.
        using NoteSigner exportKey = NoteSigner.Generate("isp-1/nft-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "nft-1", Key = exportKey.VerifierKey });
        string exportKeyFile = Path.Combine(f.Directory, "point-nft-1.key");
        await File.WriteAllTextAsync(exportKeyFile, exportKey.ExportPrivateKey() + "\n", TestContext.Current.CancellationToken);
        string written = Path.Combine(f.Directory, "blocked.nft");
        (exit, _, stderr) = LogAuditTests.Cli("export", "--registry", f.BaseAddress.ToString(), "--format", "nftables", "-o", written, "--key", registry.Log.VerifierKey, "--ack-key", exportKeyFile);
        Assert.True(exit == 0, stderr);
        Assert.Contains("point nft-1 acknowledged version", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(written));

        // A DNS enforcement point with its key acknowledges the version it starts enforcing.
        var options = new Palisade.Dns.DnsServerOptions { PortalUrl = f.BaseAddress };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
        await using (EnforcementHost dns = await EnforcementHost.StartAsync(new Palisade.Dns.DnsPoint(options),
            new EnforcementSettings(f.BaseAddress, NoteVerifier.Parse(registry.Log.VerifierKey)) { PointKey = dnsKey }, TestContext.Current.CancellationToken))
        {
            long? acked = null;
            for (int i = 0; i < 100 && acked is null; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                acked = registry.Operators.List().Single().Points.Single(p => p.Id == "dns-1").AckedVersion;
            }

            Assert.Equal((long)version.Version, acked);
        }

        // Acknowledgements are log entries, derived into their table and checked at start-up.
        RegistryOptions reopen = registry.Options;
        await f.StopAsync();
        using (RegistryService reopened = RegistryService.Open(reopen))
        {
            Assert.Equal(3, reopened.Operators.List().Single().Points.Count(p => p.AckedVersion == (long)version.Version));
        }
    }

    [Fact]
    public async Task Deadlines_OrderNotAcknowledgedInTime_IsOverdue_UntilAVersionHoldingItIsAcknowledged()
    {
        await using RegistryFixture f = await StartAsync(o =>
        {
            o.PublishDelay = TimeSpan.FromSeconds(60);
            o.Deadlines["court-order"] = TimeSpan.FromMinutes(30);
        });
        RegistryService registry = f.Host.Registry;
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner key = NoteSigner.Generate("isp-1/dns-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "dns-1", Key = key.VerifierKey });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("T-1", "t1.example"))).StatusCode);
        RegistryVersion first = registry.Versions.PublishVersion()!;

        Api.OperatorView view = registry.Operators.Get("isp-1")!;
        Assert.Equal((1, 0, 1L), (view.Pending, view.Overdue!.Count, view.Lag));

        // 31 minutes later without an acknowledgement: overdue since publication + 30 minutes.
        f.Time.Advance(TimeSpan.FromMinutes(31));
        JsonObject json = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-1", TestContext.Current.CancellationToken))!.AsObject();
        JsonObject overdue = json["overdue"]!.AsArray().Single()!.AsObject();
        Assert.Equal("rkn/T-1", overdue["order"]!.GetValue<string>());
        Assert.Equal(Fields.FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(first.TimeMs) + TimeSpan.FromMinutes(30)), overdue["deadline"]!.GetValue<string>());

        // An acknowledgement of that version (late, but recorded) clears it; the lag is 0.
        long now = f.Time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Created, await PostAckAsync(f, new Palisade.Policy.Acknowledgement("dns-1", registry.Log.Origin, first.Version, first.BundleSha256, now).Sign(key)));
        view = registry.Operators.Get("isp-1")!;
        Assert.Equal((0, 0, 0L), (view.Pending, view.Overdue!.Count, view.Lag));

        // A second order in a later version: overdue on its own after its deadline, and the operator lags one version.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("T-2", "t2.example"))).StatusCode);
        registry.Versions.PublishVersion();
        f.Time.Advance(TimeSpan.FromMinutes(45));
        view = registry.Operators.Get("isp-1")!;
        Assert.Equal(["rkn/T-2"], view.Overdue!.Select(o => o.Order));
        Assert.Equal(1L, view.Lag);
        // Per order, per operator: T-1 acknowledged, T-2 overdue since its deadline.
        JsonObject t1 = JsonNode.Parse(await f.Http.GetStringAsync("/v1/orders/rkn/T-1", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("acknowledged", t1["operators"]![0]!["status"]!.GetValue<string>());
        JsonObject t2 = JsonNode.Parse(await f.Http.GetStringAsync("/v1/orders/rkn/T-2", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal(("isp-1", "overdue"), (t2["operators"]![0]!["operator"]!.GetValue<string>(), t2["operators"]![0]!["status"]!.GetValue<string>()));
        Assert.Contains("overdue since", await f.Http.GetStringAsync("/orders/rkn/T-2", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        string page = await f.Http.GetStringAsync("/operators/isp-1", TestContext.Current.CancellationToken);
        Assert.Contains("rkn/T-2", page, StringComparison.Ordinal);
        Assert.Contains("Overdue orders", page, StringComparison.Ordinal);
        Assert.Contains("An ISP", await f.Http.GetStringAsync("/operators", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var metrics = new StringWriter();
        registry.WriteMetrics(metrics);
        Assert.Contains("palisade_operator_lag_versions{operator=\"isp-1\"} 1", metrics.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("24h", 86400)]
    [InlineData("2d", 172800)]
    [InlineData("0m", -1)]
    [InlineData("m", -1)]
    [InlineData("30", -1)]
    [InlineData("30w", -1)]
    [InlineData("-5m", -1)]
    [InlineData("", -1)]
    public void Deadline_Durations_ParseOrAreRefused(string text, int seconds)
    {
        bool parsed = Palisade.Cli.ServeCommand.TryParseDuration(text, out TimeSpan duration);
        Assert.Equal(seconds >= 0, parsed);
        if (parsed)
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
        }
    }

    private static async Task<HttpStatusCode> PostAckAsync(RegistryFixture f, string statement)
    {
        using HttpResponseMessage response = await f.Http.PostAsync("/v1/acks", new StringContent(statement), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public void Cli_OperatorAdd_PointCreate_WritesTheKeyAndRegistersIt()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-operator-" + Guid.NewGuid().ToString("N"));
        using TestDatabase? database = Store == RegistryStoreKind.Postgres ? TestDatabase.Create() : null;
        string[] storeArgs = database is null ? ["--data", data] : ["--data", data, "--database", database.ConnectionString];
        try
        {
            (int exit, string stdout, string stderr) = LogAuditTests.Cli(["operator", "add", .. storeArgs, "--id", "isp-2", "--name", "Another ISP", "--country", "RU"]);
            Assert.True(exit == 0, stderr);
            Assert.StartsWith("operator isp-2 registered at log index ", stdout, StringComparison.Ordinal);

            (exit, stdout, stderr) = LogAuditTests.Cli(["point", "create", .. storeArgs, "--operator", "isp-2", "--id", "dns-1"]);
            Assert.True(exit == 0, stderr);
            string path = stdout.Trim();
            Assert.Equal(Path.GetFullPath(Path.Combine(data, "point-dns-1.key")), path);
            using NoteSigner key = NoteSigner.ParsePrivateKey(File.ReadAllText(path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            // An unknown operator: refused, and no key file is left behind.
            (exit, _, stderr) = LogAuditTests.Cli(["point", "create", .. storeArgs, "--operator", "nobody", "--id", "dns-2"]);
            Assert.Equal(2, exit);
            Assert.Contains("nobody", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(data, "point-dns-2.key")));

            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = data, Database = database?.ConnectionString });
            Api.PointView point = registry.Operators.List().Single().Points.Single();
            Assert.Equal(key.VerifierKey, point.Key);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

/// <summary>OperatorTests on SQLite.</summary>
public sealed class OperatorTestsOnSqlite() : OperatorTests(RegistryStoreKind.Sqlite);

/// <summary>OperatorTests on PostgreSQL.</summary>
public sealed class OperatorTestsOnPostgres() : OperatorTests(RegistryStoreKind.Postgres);
