using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>
/// Everything in the query tables is derived from the log: a stopped registry whose tables were changed behind its back
/// refuses to start and names the table and row, on either store; a damaged SQLite page or index exits 4 with a
/// message instead of answering from it.
/// </summary>
public abstract class DerivedTableTests(RegistryStoreKind store) : StoreTests(store)
{
    [Theory]
    [InlineData("UPDATE authorities SET name = 'Someone else' WHERE id = 'rkn'", "authorities", "rkn")]
    [InlineData("UPDATE api_keys SET role = 'admin' WHERE role = 'authority' AND authority = 'agcom'", "api_keys", "role")]
    [InlineData("UPDATE api_keys SET revoked = NULL WHERE revoked IS NOT NULL", "api_keys", "revoked")]
    [InlineData("UPDATE orders SET summary = 'Another summary' WHERE decision = 'R-1'", "orders", "summary")]
    [InlineData("UPDATE orders SET revoked_ms = NULL WHERE decision = 'R-2'", "orders", "revoked_ms")]
    [InlineData("UPDATE order_targets SET value = 'telegram.orf' WHERE value = 'telegram.org'", "order_targets", "telegram.orf")]
    [InlineData("DELETE FROM order_targets WHERE value = 'web.telegram.org'", "order_targets", "missing")]
    [InlineData("UPDATE order_targets SET ip_end = ip_start WHERE value = '149.154.160.0/20'", "order_targets", "ip_end")]
    [InlineData("UPDATE order_events SET type = 'order.revoked' WHERE type = 'order.amended'", "order_events", "type")]
    [InlineData("DELETE FROM order_events WHERE type = 'order.revoked'", "order_events", "missing")]
    [InlineData("UPDATE versions SET entries = entries + 1", "versions", "entries")]
    [InlineData("INSERT INTO orders (authority, decision, decision_date, legal_basis, category, issuing_body, summary, effective_ms, issued_ms) VALUES ('rkn', 'SECRET-1', '2026-01-01', 'x', 'x', 'x', 'x', 0, 0)", "orders", "not in the log")]
    public async Task Restart_AfterATableWasChanged_RefusesNamingTableAndRow(string change, string table, string named)
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        await PopulateAsync(f);
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        Assert.True(f.ExecuteSql(change) > 0, change);
        var e = Assert.Throws<RegistryConfigurationException>(() => RegistryService.Open(options));
        Assert.Contains("table " + table, e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_Untouched_Starts()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        await PopulateAsync(f);
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(options);
        Assert.Equal("active", reopened.Queries.GetOrder("rkn", "R-1")!.Status);
    }

    [Theory]
    [InlineData("UPDATE orders SET summary = 'EVIL SUMMARY' WHERE decision = 'R-1'", true)]
    [InlineData("UPDATE orders SET category = 'evilcat' WHERE decision = 'R-1'", true)]
    [InlineData("UPDATE orders SET expires_ms = 1 WHERE decision = 'R-1'", true)]
    [InlineData("UPDATE orders SET revoked_ms = NULL WHERE decision = 'R-2'", true)]
    [InlineData("UPDATE order_targets SET value = 'evil.example' WHERE value = 'telegram.org'", false)]
    [InlineData("DELETE FROM order_targets WHERE value = 'web.telegram.org'", false)]
    [InlineData("INSERT INTO orders (authority, decision, decision_date, legal_basis, category, issuing_body, summary, effective_ms, issued_ms) VALUES ('rkn', 'SECRET-1', '2026-01-01', 'x', 'x', 'x', 'EVIL SUMMARY', 0, 0)", true)]
    public async Task Running_AfterATableWasChanged_ServesOnlyWhatTheLogSays(string change, bool refused)
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        await PopulateAsync(f);
        Assert.True(f.ExecuteSql(change) > 0, change);
        string decision = change.Contains("R-2", StringComparison.Ordinal) ? "R-2" : change.Contains("SECRET-1", StringComparison.Ordinal) ? "SECRET-1" : "R-1";
        foreach (string path in new[] { $"/v1/orders/rkn/{decision}", $"/orders/rkn/{decision}", "/v1/orders", "/orders", "/feed.atom" })
        {
            using HttpResponseMessage response = await f.Http.GetAsync(path, TestContext.Current.CancellationToken);
            string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain("evil", body, StringComparison.OrdinalIgnoreCase);

            // The feed lists logged events; a row added without any shows up in none.
            if (refused && !(path == "/feed.atom" && decision == "SECRET-1"))
            {
                Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{path}: {(int)response.StatusCode} {body}");
                Assert.Contains("disagrees with the log", body, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
            }
        }

        if (!refused)
        {
            // The targets are the log's own.
            JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/R-1", TestContext.Current.CancellationToken));
            Assert.Equal(["*.t.me", "149.154.160.0/20", "telegram.org", "web.telegram.org"], order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()));
            Assert.Equal(4, order["targetCount"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Restart_SchemaNewerThanTheBuild_RefusesNamingBothVersions()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        Assert.Equal(1, f.ExecuteSql("UPDATE meta SET value = '7' WHERE key = 'schema_version'"));
        var e = Assert.Throws<RegistryConfigurationException>(() => RegistryService.Open(options));
        Assert.Contains($"schema version 7, newer than version {Storage.RegistryStore.SchemaVersion}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_SchemaFive_ProbeTablesAreKeyedByProbe_RowsKept()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();

        // The probe tables as schema 5 made them, with a stored batch.
        f.ExecuteSql("DROP TABLE measurements");
        f.ExecuteSql("DROP TABLE probe_reports");
        f.ExecuteSql("CREATE TABLE probe_reports (report TEXT NOT NULL, batch BIGINT NOT NULL, probe TEXT NOT NULL, note TEXT NOT NULL, received_ms BIGINT NOT NULL, measurements BIGINT NOT NULL, PRIMARY KEY (report, batch))");
        f.ExecuteSql("CREATE TABLE measurements (report TEXT NOT NULL, seq BIGINT NOT NULL, probe TEXT NOT NULL, network TEXT NOT NULL, input TEXT NOT NULL, order_ref TEXT, verdict TEXT NOT NULL, " +
            "blocking TEXT, entry TEXT, cause TEXT, version BIGINT NOT NULL, measured_ms BIGINT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (report, seq))");
        f.ExecuteSql("CREATE INDEX measurements_latest ON measurements (network, input, measured_ms)");
        f.ExecuteSql("CREATE INDEX measurements_order ON measurements (order_ref)");
        f.ExecuteSql("INSERT INTO probe_reports VALUES ('r-1', 0, 'probe-1', 'note', 1000, 1)");
        f.ExecuteSql("INSERT INTO measurements VALUES ('r-1', 0, 'probe-1', 'AS64496', 'https://a.example/', NULL, 'accessible', NULL, NULL, NULL, 1, 1000, '{}')");
        Assert.Equal(1, f.ExecuteSql("UPDATE meta SET value = '5' WHERE key = 'schema_version'"));

        using (RegistryService reopened = RegistryService.Open(options))
        {
            Assert.Equal([("https://a.example/", "probe-1", "r-1")], reopened.Probes.Latest(null, null).Select(m => (m.Input, m.Probe, m.Report)));
        }

        // Another probe's batch 0 of report r-1 is a row of its own now.
        Assert.Equal(1, f.ExecuteSql("INSERT INTO probe_reports (report, batch, probe, note, received_ms, measurements) VALUES ('r-1', 0, 'probe-2', 'note', 2000, 1)"));
        Assert.Equal(1, f.ExecuteSql($"UPDATE meta SET value = value WHERE key = 'schema_version' AND value = '{Storage.RegistryStore.SchemaVersion}'"));
    }

    /// <summary>Orders with names and prefixes, an amendment, a revocation, a revoked key, and a published version.</summary>
    private static async Task PopulateAsync(RegistryFixture f)
    {
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "telegram.org", "*.t.me", "149.154.160.0/20"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-1/amend", f.RknKey, new JsonObject { ["add"] = new JsonArray("web.telegram.org") })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-2", "gone.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-2/revoke", f.RknKey, new JsonObject { ["reason"] = "appeal" })).StatusCode);
        string operatorKey = await f.CreateKeyAsync("operator", null);
        Assert.Equal(HttpStatusCode.NoContent, (await f.SendAsync(HttpMethod.Post, $"/v1/keys/{operatorKey.Split('_')[1]}/revoke", f.AdminKey)).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
    }
}

/// <summary>DerivedTableTests on SQLite, with damaged pages and indexes too.</summary>
public sealed class DerivedTableTestsOnSqlite() : DerivedTableTests(RegistryStoreKind.Sqlite)
{
    [Theory]
    [InlineData("order_targets_value")]
    [InlineData("order_targets_ip")]
    [InlineData("order_events_order")]
    [InlineData("orders")]
    public async Task Restart_AfterAPageWasDamaged_ExitsFourWithAMessage(string name)
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order($"P-{i}", $"p{i}.example", $"10.{i}.0.0/16"))).StatusCode);
        }

        await f.StopAsync();
        long page = Convert.ToInt64(f.QuerySql("SELECT rootpage FROM sqlite_master WHERE name = @n", ("n", name)), System.Globalization.CultureInfo.InvariantCulture);
        long size = Convert.ToInt64(f.QuerySql("PRAGMA page_size"), System.Globalization.CultureInfo.InvariantCulture);
        string file = Path.Combine(f.Directory, "registry.db");
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            // Garbage over the page's header and cell pointers.
            stream.Position = ((page - 1) * size) + (page == 1 ? 100 : 0);
            stream.Write(Enumerable.Repeat((byte)0xA5, 64).ToArray());
        }

        (int exit, _, string stderr) = LogAuditTests.Cli("key", "create", "--data", f.Directory, "--role", "auditor");
        Assert.Equal(4, exit);
        Assert.Contains("registry.db", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_AfterTheFileHeaderWasDamaged_ExitsFour()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromMinutes(1));
        await f.StopAsync();
        using (var stream = new FileStream(Path.Combine(f.Directory, "registry.db"), FileMode.Open, FileAccess.Write))
        {
            stream.Write("not a database file at all"u8);
        }

        (int exit, _, string stderr) = LogAuditTests.Cli("key", "create", "--data", f.Directory, "--role", "auditor");
        Assert.Equal(4, exit);
        Assert.Contains("registry.db", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}

/// <summary>DerivedTableTests on PostgreSQL.</summary>
public sealed class DerivedTableTestsOnPostgres() : DerivedTableTests(RegistryStoreKind.Postgres);
