using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Order input that the core values map to exactly one canonical form is accepted and recorded canonically;
/// what is invalid or ambiguous is still refused; <c>?dryRun=true</c> previews without writing.</summary>
public abstract class OrderInputTests(RegistryStoreKind store) : StoreTests(store)
{
    [Theory]
    [InlineData("ПРИМЕР.рф", "xn--e1afmkfd.xn--p1ai", "domain")]
    [InlineData("пример.рф", "xn--e1afmkfd.xn--p1ai", "domain")]
    [InlineData("Telegram.ORG.", "telegram.org", "domain")]
    [InlineData("telegram\uFF0Eorg", "telegram.org", "domain")]
    [InlineData("*.T.me", "*.t.me", "pattern")]
    [InlineData("HTTPS://Example.ORG:443/a/../b?q#frag", "https://example.org/b?q", "url")]
    [InlineData("149.154.167.99", "149.154.167.99/32", "prefix")]
    [InlineData("2001:067c:04e8::/48", "2001:67c:4e8::/48", "prefix")]
    public async Task Issue_AnySpellingWithOneCanonicalForm_RecordedCanonically(string written, string recorded, string kind)
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("C-1", written));
        JsonObject created = await f.JsonAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonNode target = created["targets"]!.AsArray().Single()!;
        Assert.Equal(("targets[0]", written, recorded, kind),
            (target["field"]!.GetValue<string>(), target["written"]!.GetValue<string>(), target["recorded"]!.GetValue<string>(), target["kind"]!.GetValue<string>()));

        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/C-1", TestContext.Current.CancellationToken));
        Assert.Equal([recorded], order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("LOOK\u034F-1")]
    [InlineData("LOOK\uFE0F-1")]
    [InlineData("LOOK\u3164-1")]
    [InlineData("LOOK\u180B-1")]
    [InlineData("LOOK\U000E0041-1")]
    [InlineData("LOOK\u200B-1")]
    public async Task Issue_DecisionWithAnInvisibleCodePoint_Refused(string decision)
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decision, "look.example"));
        JsonObject problem = await f.JsonAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("decision", problem["field"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("LOOK-1", "look.example"))).StatusCode);
    }

    [Theory]
    [InlineData("L\u041E\u041EK-1", "U+041E U+041E")]
    [InlineData("LOOK-l", "")]
    [InlineData("L0OK-1", "")]
    [InlineData("\uFF2C\uFF2F\uFF2F\uFF2B-1", "U+FF2C")]
    public async Task Issue_DecisionConfusableWithOneTheAuthorityHas_Refused(string decision, string named)
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("LOOK-1", "look.example"))).StatusCode);
        ulong size = f.Host.Registry.Log.Size;
        foreach (string path in new[] { "/v1/orders?dryRun=true", "/v1/orders" })
        {
            using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, path, f.RknKey, RegistryFixture.Order(decision, "other.example"));
            JsonObject problem = await f.JsonAsync(response);
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, problem.ToJsonString());
            Assert.Equal("decision", problem["field"]!.GetValue<string>());
            string detail = problem["detail"]!.GetValue<string>();
            Assert.Contains("looks like 'LOOK-1'", detail, StringComparison.Ordinal);
            Assert.Contains("UTS #39", detail, StringComparison.Ordinal);
            Assert.Contains(named, detail, StringComparison.Ordinal);
        }

        Assert.Equal(size, f.Host.Registry.Log.Size);

        // A number that reads differently is an order of its own.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("LOOK-2", "other.example"))).StatusCode);
    }

    [Theory]
    [InlineData("149.154.167.0/20", 400, "host bits")]
    [InlineData("exa_mple..org", 400, "targets[0]")]
    [InlineData("https://user:secret@example.org/", 400, "user name or password")]
    [InlineData("co.uk", 422, "public suffix")]
    [InlineData("ftp://example.org/", 400, "targets[0]")]
    public async Task Issue_InvalidOrAmbiguous_StillRefusedNamingIt(string written, int status, string reason)
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        ulong size = f.Host.Registry.Log.Size;
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("C-2", written));
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        JsonObject problem = await f.JsonAsync(response);
        Assert.Equal("targets[0]", problem["field"]!.GetValue<string>());
        Assert.Contains(reason, problem["detail"]!.GetValue<string>() + " targets[0]", StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Fact]
    public async Task Issue_TwoSpellingsOfOneTarget_RefusedNamingBoth()
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("C-3", "пример.рф", "xn--e1afmkfd.xn--p1ai"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string detail = (await f.JsonAsync(response))["detail"]!.GetValue<string>();
        Assert.Contains("'xn--e1afmkfd.xn--p1ai' and targets[0] 'пример.рф' are both", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AmendAndOverride_AcceptEverySpellingToo()
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("C-4", "пример.рф", "a.example"))).StatusCode);
        var amend = new JsonObject
        {
            ["add"] = new JsonArray("B.Example.", "*.CO.UK"),
            ["remove"] = new JsonArray("ПРИМЕР.рф"),
            ["overrides"] = new JsonArray(new JsonObject { ["target"] = "*.co.uk.", ["justification"] = "tested override" }),
        };
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/C-4/amend", f.RknKey, amend);
        JsonObject answer = await f.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["add[0] b.example", "add[1] *.co.uk", "remove[0] xn--e1afmkfd.xn--p1ai"],
            answer["targets"]!.AsArray().Select(t => t!["field"]!.GetValue<string>() + " " + t["recorded"]!.GetValue<string>()));
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/C-4", TestContext.Current.CancellationToken));
        Assert.Equal(["*.co.uk", "a.example", "b.example"], order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DryRun_ShowsCanonicalTargetsSafeguardsAndCoverage_WritesNothing()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("D-1", "*.t.me", "149.154.160.0/20", "telegram.org"))).StatusCode);
        ulong size = f.Host.Registry.Log.Size;

        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders?dryRun=true", f.RknKey,
            RegistryFixture.Order("D-2", "A.T.ME", "*.x.t.me", "149.154.167.0/24", "https://telegram.org/a", "co.uk", "new.example"));
        JsonObject preview = await f.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("rkn/D-2", preview["reference"]!.GetValue<string>());
        Assert.False(preview["accepted"]!.GetValue<bool>());
        JsonArray targets = preview["targets"]!.AsArray();
        string Covered(int i) => string.Join(",", targets[i]!["coveredBy"]!.AsArray().Select(m => m!["order"]!.GetValue<string>() + " " + m["target"]!.GetValue<string>()));
        Assert.Equal("a.t.me", targets[0]!["recorded"]!.GetValue<string>());
        Assert.Equal("rkn/D-1 *.t.me", Covered(0));
        Assert.Equal("rkn/D-1 *.t.me", Covered(1));
        Assert.Equal("rkn/D-1 149.154.160.0/20", Covered(2));
        Assert.Equal("rkn/D-1 telegram.org", Covered(3));
        Assert.Contains("public suffix", targets[4]!["protection"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(targets[4]!["overridden"]!.GetValue<bool>());
        Assert.Equal("", Covered(5));
        Assert.Null(targets[5]!["protection"]);
        Assert.Equal(size, f.Host.Registry.Log.Size);

        // A wider prefix is not covered by a narrower one, nor a pattern by a name.
        JsonObject wider = await f.JsonAsync(await f.SendAsync(HttpMethod.Post, "/v1/orders?dryRun=true", f.RknKey, RegistryFixture.Order("D-3", "149.154.0.0/16", "*.telegram.org")));
        Assert.All(wider["targets"]!.AsArray(), t => Assert.Empty(t!["coveredBy"]!.AsArray()));
        Assert.True(wider["accepted"]!.GetValue<bool>());

        // The preview of an amendment leaves out the order itself and applies the same checks as the write.
        JsonObject amend = await f.JsonAsync(await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/D-1/amend?dryRun=true", f.RknKey,
            new JsonObject { ["add"] = new JsonArray("web.telegram.org"), ["remove"] = new JsonArray("TELEGRAM.org") }));
        Assert.Equal("order.amended", amend["type"]!.GetValue<string>());
        Assert.Empty(amend["targets"]![0]!["coveredBy"]!.AsArray());
        Assert.Equal("telegram.org", amend["remove"]![0]!["recorded"]!.GetValue<string>());
        using HttpResponseMessage missing = await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/D-1/amend?dryRun=true", f.RknKey,
            new JsonObject { ["remove"] = new JsonArray("nothere.example") });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using HttpResponseMessage taken = await f.SendAsync(HttpMethod.Post, "/v1/orders?dryRun=true", f.RknKey, RegistryFixture.Order("D-1", "x.example"));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Theory]
    [InlineData("2026-02-30", "is not a date: there is no such day")]
    [InlineData("2026-13-01", "is not a date: there is no such day")]
    [InlineData("30.02.2026", "is not a date of the form yyyy-MM-dd")]
    public async Task Issue_DecisionDate_NoSuchDayAndWrongFormAreToldApart(string date, string message)
    {
        await using RegistryFixture f = await StartAsync();
        System.Text.Json.Nodes.JsonObject body = RegistryFixture.Order("DT-1", "date.example");
        body["decisionDate"] = date;
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonObject problem = await f.JsonAsync(response);
        Assert.Equal("decisionDate", problem["field"]!.GetValue<string>());
        Assert.Contains($"'{date}' {message}", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>On SQLite.</summary>
public sealed class OrderInputTestsOnSqlite() : OrderInputTests(RegistryStoreKind.Sqlite);

/// <summary>On PostgreSQL.</summary>
public sealed class OrderInputTestsOnPostgres() : OrderInputTests(RegistryStoreKind.Postgres);
