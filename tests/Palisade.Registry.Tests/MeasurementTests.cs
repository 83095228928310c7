using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Palisade.Log.Measurements;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>Probes registered in the log, and the measurements they submit: signed batches, checked, stored whole or
/// refused whole, public, and aggregated per order and per operator network.</summary>
public abstract class MeasurementTests(RegistryStoreKind store) : StoreTests(store)
{
    private const string Asn = "AS64496";

    /// <summary>One measurement line as the probe writes it (the keys the registry reads, and some it keeps as sent).</summary>
    private static string Line(string report, string input, string verdict, object? blocking, string? order, ulong version, string time = "2026-11-23 12:00:00",
        string asn = Asn) =>
        new JsonObject
        {
            ["data_format_version"] = "0.2.0", ["input"] = input, ["measurement_start_time"] = time, ["probe_asn"] = asn, ["probe_cc"] = "RU", ["probe_ip"] = "127.0.0.1",
            ["probe_network_name"] = "Test ISP", ["report_id"] = report, ["software_name"] = "palisade-probe", ["test_name"] = "web_connectivity",
            ["test_keys"] = new JsonObject
            {
                ["blocking"] = blocking is bool b ? JsonValue.Create(b) : blocking is string s ? JsonValue.Create(s) : null, ["accessible"] = verdict is "accessible" or "not-enforced",
                ["x_palisade_verdict"] = verdict, ["x_palisade_order"] = order, ["x_palisade_registry_version"] = version,
                ["x_palisade_policy_entry"] = order is null ? null : "blocked.example", ["x_palisade_cause"] = verdict == "over-blocked" ? "the parent of a.blocked.example (ordered)" : null,
            },
        }.ToJsonString() + "\n";

    private static JsonObject Submission(NoteSigner key, string probe, string origin, ulong version, string report, int batch, string lines, int? count = null) => new()
    {
        ["report"] = new MeasurementReport(probe, origin, version, report, batch, count ?? lines.Count(c => c == '\n'), SHA256.HashData(Encoding.UTF8.GetBytes(lines))).Sign(key),
        ["measurements"] = lines,
    };

    private static async Task<HttpStatusCode> SubmitAsync(RegistryFixture f, JsonObject submission)
    {
        using HttpResponseMessage response = await f.Http.PostAsJsonAsync("/v1/measurements", submission, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task Probes_Register_Submit_AndTheLatestVerdictsAreServed()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("M-1", "blocked.example", "a.blocked.example"))).StatusCode);
        ulong version = registry.Versions.PublishVersion()!.Version;
        string origin = registry.Log.Origin;

        using NoteSigner key = NoteSigner.Generate("probe-1");
        var request = new JsonObject { ["id"] = "probe-1", ["asn"] = Asn, ["operator"] = "isp-1", ["key"] = key.VerifierKey };
        Assert.Equal(HttpStatusCode.Unauthorized, (await f.SendAsync(HttpMethod.Post, "/v1/probes", null, request)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await f.SendAsync(HttpMethod.Post, "/v1/probes", f.RknKey, request)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/probes", f.AdminKey, request)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await f.SendAsync(HttpMethod.Post, "/v1/probes", f.AdminKey, request)).StatusCode);
        foreach ((string field, JsonNode? value) in new (string, JsonNode?)[] { ("asn", "64496"), ("operator", "nobody"), ("key", "not a key"), ("id", "Probe 2") })
        {
            JsonObject bad = request.DeepClone().AsObject();
            bad["id"] = "probe-2";
            bad[field] = value;
            using HttpResponseMessage refused = await f.SendAsync(HttpMethod.Post, "/v1/probes", f.AdminKey, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(field, (await f.JsonAsync(refused))["field"]!.GetValue<string>());
        }

        JsonArray probes = JsonNode.Parse(await f.Http.GetStringAsync("/v1/probes", cancel))!.AsArray();
        Assert.Equal(key.VerifierKey, probes.Single()!["key"]!.GetValue<string>());

        // A first report: the ordered name blocked without saying why, its parent over-blocked.
        string report = "20261123T120000Z_webconnectivity_RU_64496_n1_0123456789abcdef";
        string first = Line(report, "http://blocked.example/", "enforced-unattributed", "dns", "rkn/M-1", version)
            + Line(report, "http://a.blocked.example/", "not-enforced", false, "rkn/M-1", version)
            + Line(report, "http://example.org/", "over-blocked", "dns", null, version);
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(key, "probe-1", origin, version, report, 0, first)));

        // A later batch measures one resource again: the latest verdict wins.
        string second = Line(report, "http://a.blocked.example/", "enforced", "dns", "rkn/M-1", version, "2026-11-23 12:05:00");
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(key, "probe-1", origin, version, report, 1, second)));

        JsonArray byOrder = JsonNode.Parse(await f.Http.GetStringAsync("/v1/measurements?order=rkn/M-1", cancel))!.AsArray();
        Assert.Equal([("http://a.blocked.example/", "enforced"), ("http://blocked.example/", "enforced-unattributed")],
            byOrder.Select(m => (m!["input"]!.GetValue<string>(), m["verdict"]!.GetValue<string>())));
        Assert.All(byOrder, m => Assert.Equal(Asn, m!["network"]!.GetValue<string>()));
        Assert.Equal(3, JsonNode.Parse(await f.Http.GetStringAsync($"/v1/measurements?network={Asn}", cancel))!.AsArray().Count);
        Assert.Empty(JsonNode.Parse(await f.Http.GetStringAsync("/v1/measurements?network=AS1", cancel))!.AsArray());
        string csv = await f.Http.GetStringAsync("/v1/measurements?format=csv", cancel);
        Assert.StartsWith("input,network,probe,order,verdict,", csv, StringComparison.Ordinal);
        Assert.Contains("http://example.org/,AS64496,probe-1,,over-blocked,dns,,the parent of a.blocked.example (ordered),", csv, StringComparison.Ordinal);

        // The order and the operator show it.
        JsonObject order = JsonNode.Parse(await f.Http.GetStringAsync("/v1/orders/rkn/M-1", cancel))!.AsObject();
        Assert.Equal(2, order["measured"]!.AsArray().Count);
        JsonObject measured = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-1", cancel))!["measurements"]!.AsObject();
        Assert.Equal([Asn], measured["networks"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal((3, 1, 1, 0), (measured["measured"]!.GetValue<int>(), measured["enforced"]!.GetValue<int>(), measured["enforcedUnattributed"]!.GetValue<int>(),
            measured["notEnforced"]!.GetValue<int>()));
        Assert.Equal("http://example.org/", measured["overBlocked"]!.AsArray().Single()!["input"]!.GetValue<string>());
        string orderPage = await f.Http.GetStringAsync("/orders/rkn/M-1", cancel);
        Assert.Contains("Measured status", orderPage, StringComparison.Ordinal);
        // The summary at the top agrees with the table below it.
        Assert.DoesNotContain("no probe has reported", orderPage, StringComparison.Ordinal);
        Assert.Contains("2 resources measured in 1 networks", orderPage, StringComparison.Ordinal);
        Assert.Contains("<td>enforced-unattributed</td>", orderPage, StringComparison.Ordinal);
        string operatorPage = await f.Http.GetStringAsync("/operators/isp-1", cancel);
        Assert.Contains("Blocked with no order (collateral damage)", operatorPage, StringComparison.Ordinal);
        Assert.Contains("the parent of a.blocked.example (ordered)", operatorPage, StringComparison.Ordinal);

        // Refused whole: nothing of these is stored.
        using NoteSigner impostor = NoteSigner.Generate("probe-1");
        string third = Line(report, "http://blocked.example/", "not-enforced", false, "rkn/M-1", version, "2026-11-23 13:00:00");
        foreach ((JsonObject submission, HttpStatusCode status) in new[]
        {
            (Submission(impostor, "probe-1", origin, version, report, 2, third), HttpStatusCode.Forbidden),
            (Submission(key, "probe-9", origin, version, report, 2, third), HttpStatusCode.NotFound),
            (Submission(key, "probe-1", origin, version, report, 1, third), HttpStatusCode.Conflict),
            (Submission(key, "probe-1", "other.example/log", version, report, 2, third), HttpStatusCode.UnprocessableEntity),
            (Submission(key, "probe-1", origin, version + 5, report, 2, third), HttpStatusCode.UnprocessableEntity),
            (Submission(key, "probe-1", origin, version, report, 2, third, count: 2), HttpStatusCode.BadRequest),
            (Submission(key, "probe-1", origin, version, report, 2, Line(report, "http://blocked.example/", "enforced", "dns", "rkn/M-1", version, asn: "AS1")), HttpStatusCode.BadRequest),
            (Submission(key, "probe-1", origin, version, "another-report", 2, third), HttpStatusCode.BadRequest),
            (Submission(key, "probe-1", origin, version, report, 2, third.Replace("not-enforced", "blocked-ish", StringComparison.Ordinal)), HttpStatusCode.BadRequest),

            // A member twice: readers that keep the first and those that keep the last would see two verdicts.
            (Submission(key, "probe-1", origin, version, report, 2, third.Replace("\"x_palisade_verdict\":\"not-enforced\"",
                "\"x_palisade_verdict\":\"not-enforced\",\"x_palisade_verdict\":\"enforced\"", StringComparison.Ordinal)), HttpStatusCode.BadRequest),
            (new JsonObject { ["report"] = "not a note", ["measurements"] = third }, HttpStatusCode.BadRequest),
        })
        {
            Assert.Equal(status, await SubmitAsync(f, submission));
        }

        JsonObject signed = Submission(key, "probe-1", origin, version, report, 2, third);
        signed["measurements"] = third.Replace("not-enforced", "enforced", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await SubmitAsync(f, signed));
        Assert.Equal("enforced-unattributed", JsonNode.Parse(await f.Http.GetStringAsync("/v1/measurements?order=rkn/M-1", cancel))!.AsArray()
            .Single(m => m!["input"]!.GetValue<string>() == "http://blocked.example/")!["verdict"]!.GetValue<string>());

        // Probes are log entries, derived into their table and checked at start-up.
        RegistryOptions reopen = registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(reopen);
        Assert.Equal("isp-1", reopened.Probes.List().Single().Operator);
    }

    private async Task<(RegistryFixture F, NoteSigner One, NoteSigner Two, ulong Version)> TwoProbesAsync(Action<RegistryOptions>? configure = null)
    {
        RegistryFixture f = await StartAsync(o =>
        {
            o.PublishDelay = TimeSpan.FromSeconds(60);
            configure?.Invoke(o);
        });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("Q-1", "blocked.example"))).StatusCode);
        ulong version = f.Host.Registry.Versions.PublishVersion()!.Version;
        var one = NoteSigner.Generate("probe-1");
        var two = NoteSigner.Generate("probe-2");
        foreach ((string id, NoteSigner key) in new[] { ("probe-1", one), ("probe-2", two) })
        {
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/probes", f.AdminKey, new JsonObject { ["id"] = id, ["asn"] = Asn, ["key"] = key.VerifierKey })).StatusCode);
        }

        return (f, one, two, version);
    }

    [Fact]
    public async Task ReportIds_AreEachProbesOwn_AnotherProbeCannotTakeABatchOfThem()
    {
        (RegistryFixture f, NoteSigner one, NoteSigner two, ulong version) = await TwoProbesAsync();
        await using RegistryFixture _ = f;
        using NoteSigner __ = one, ___ = two;
        string origin = f.Host.Registry.Log.Origin;
        const string Report = "20261123T120000Z_webconnectivity_RU_64496_n1_published";

        // Probe 2 stores batch 0 under the id probe 1 uses first: it is probe 2's report, and probe 1's batch 0 is still its own.
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(two, "probe-2", origin, version, Report, 0, Line(Report, "https://blocked.example/", "enforced", "dns", "rkn/Q-1", version))));
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(one, "probe-1", origin, version, Report, 0, Line(Report, "https://blocked.example/", "enforced", "dns", "rkn/Q-1", version))));
        Assert.Equal(HttpStatusCode.Conflict, await SubmitAsync(f, Submission(one, "probe-1", origin, version, Report, 0, Line(Report, "https://blocked.example/x", "enforced", "dns", "rkn/Q-1", version))));
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(one, "probe-1", origin, version, Report, 1, Line(Report, "https://blocked.example/y", "enforced", "dns", "rkn/Q-1", version))));
    }

    [Theory]
    [InlineData("measurements")]
    [InlineData("bytes")]
    [InlineData("reports")]
    public async Task ProbeBeyondItsHourlyQuota_Gets429WithRetryAfter_NothingStored_AndOthersAreNotHeld(string quota)
    {
        (RegistryFixture f, NoteSigner one, NoteSigner two, ulong version) = await TwoProbesAsync(o =>
        {
            o.ProbeMeasurementsPerHour = quota == "measurements" ? 5 : 1000;
            o.ProbeBytesPerHour = quota == "bytes" ? 3000 : 1_000_000;
            o.ProbeOpenReports = quota == "reports" ? 2 : 100;
        });
        await using RegistryFixture _ = f;
        using NoteSigner __ = one, ___ = two;
        string origin = f.Host.Registry.Log.Origin;
        string Lines(string report, int n) => string.Concat(Enumerable.Range(0, n).Select(i => Line(report, $"https://blocked.example/{i}", "enforced", "dns", "rkn/Q-1", version)));

        // Two batches of two lines (each line about 900 bytes) in two reports are within every quota; the third batch is not.
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(one, "probe-1", origin, version, "r-1", 0, Lines("r-1", 2))));
        f.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(one, "probe-1", origin, version, "r-2", 0, Lines("r-2", 2))));
        using (HttpResponseMessage refused = await f.Http.PostAsJsonAsync("/v1/measurements", Submission(one, "probe-1", origin, version, "r-3", 0, Lines("r-3", 2)), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            // The first batch leaves the hour in 50 minutes.
            Assert.Equal(TimeSpan.FromMinutes(50), refused.Headers.RetryAfter!.Delta);
            Assert.Contains(quota == "reports" ? "reports open" : quota == "bytes" ? "bytes of measurements" : "measurements in the last hour",
                (await f.JsonAsync(refused))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The other probe's quota is its own; after the hour the first probe stores again.
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(two, "probe-2", origin, version, "r-3", 0, Lines("r-3", 2))));
        f.Time.Advance(TimeSpan.FromMinutes(51));
        Assert.Equal(HttpStatusCode.Created, await SubmitAsync(f, Submission(one, "probe-1", origin, version, "r-3", 0, Lines("r-3", 2))));
    }

    [Fact]
    public void Cli_ProbeRegister_WritesTheKeyAndRegistersIt()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-probe-" + Guid.NewGuid().ToString("N"));
        using TestDatabase? database = Store == RegistryStoreKind.Postgres ? TestDatabase.Create() : null;
        string[] storeArgs = database is null ? ["--data", data] : ["--data", data, "--database", database.ConnectionString];
        try
        {
            (int exit, string stdout, string stderr) = LogAuditTests.Cli(["probe", "register", .. storeArgs, "--id", "probe-7", "--asn", "AS64500"]);
            Assert.True(exit == 0, stderr);
            string path = stdout.Trim();
            Assert.Equal(Path.GetFullPath(Path.Combine(data, "probe-probe-7.key")), path);
            using NoteSigner key = NoteSigner.ParsePrivateKey(File.ReadAllText(path));

            (exit, _, stderr) = LogAuditTests.Cli(["probe", "register", .. storeArgs, "--id", "probe-8", "--asn", "64500"]);
            Assert.Equal(2, exit);
            Assert.Contains("'64500' is not a network number", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(data, "probe-probe-8.key")));

            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = data, Database = database?.ConnectionString });
            Assert.Equal((key.VerifierKey, "AS64500", (string?)null), registry.Probes.List().Select(p => (p.Key, p.Asn, p.Operator)).Single());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

public sealed class MeasurementTestsOnSqlite() : MeasurementTests(RegistryStoreKind.Sqlite);

public sealed class MeasurementTestsOnPostgres() : MeasurementTests(RegistryStoreKind.Postgres);
