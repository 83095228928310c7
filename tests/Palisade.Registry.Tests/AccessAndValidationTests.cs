using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Role boundaries and refused input: each refusal is a problem document naming the field, and nothing is
/// stored or logged for it.</summary>
public abstract class AccessAndValidationTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Roles_OnlyTheIssuingAuthorityChangesItsOrders()
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "blocked.example"))).StatusCode);
        string operatorKey = await f.CreateKeyAsync("operator", null);
        string auditorKey = await f.CreateKeyAsync("auditor", null);
        ulong size = f.Host.Registry.Log.Size;

        (string? Key, HttpMethod Method, string Path, JsonNode? Body, HttpStatusCode Expected)[] cases =
        [
            (null, HttpMethod.Post, "/v1/orders", RegistryFixture.Order("X-1", "a.example"), HttpStatusCode.Unauthorized),
            ("pal_0000_bogus", HttpMethod.Post, "/v1/orders", RegistryFixture.Order("X-1", "a.example"), HttpStatusCode.Unauthorized),
            (operatorKey, HttpMethod.Post, "/v1/orders", RegistryFixture.Order("X-1", "a.example"), HttpStatusCode.Forbidden),
            (auditorKey, HttpMethod.Post, "/v1/orders", RegistryFixture.Order("X-1", "a.example"), HttpStatusCode.Forbidden),
            (f.AdminKey, HttpMethod.Post, "/v1/orders", RegistryFixture.Order("X-1", "a.example"), HttpStatusCode.Forbidden),
            (f.AgcomKey, HttpMethod.Post, "/v1/orders/rkn/R-1/revoke", new JsonObject(), HttpStatusCode.Forbidden),
            (f.AgcomKey, HttpMethod.Post, "/v1/orders/rkn/R-1/amend", new JsonObject { ["add"] = new JsonArray("b.example") }, HttpStatusCode.Forbidden),
            (null, HttpMethod.Post, "/v1/orders/rkn/R-1/revoke", new JsonObject(), HttpStatusCode.Unauthorized),
            (f.RknKey, HttpMethod.Post, "/v1/orders/rkn/NOPE/revoke", new JsonObject(), HttpStatusCode.NotFound),
            (f.RknKey, HttpMethod.Post, "/v1/keys", new JsonObject { ["role"] = "admin" }, HttpStatusCode.Forbidden),
            (operatorKey, HttpMethod.Post, "/v1/authorities", new JsonObject { ["id"] = "evil", ["name"] = "E", ["jurisdiction"] = "X", ["url"] = "https://e.example/" }, HttpStatusCode.Forbidden),
            (null, HttpMethod.Post, "/v1/keys", new JsonObject { ["role"] = "admin" }, HttpStatusCode.Unauthorized),
        ];
        foreach ((string? key, HttpMethod method, string path, JsonNode? body, HttpStatusCode expected) in cases)
        {
            using HttpResponseMessage response = await f.SendAsync(method, path, key, body);
            Assert.True(expected == response.StatusCode, $"{method} {path} with {key ?? "no key"}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }

        Assert.Equal(size, f.Host.Registry.Log.Size);
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/R-1", TestContext.Current.CancellationToken));
        Assert.Equal("active", order["status"]!.GetValue<string>());

        // A rotated key gets a new secret under the same id; the old secret stops working and the rotation is logged.
        string rknId = f.RknKey.Split('_')[1];
        Assert.Equal(HttpStatusCode.Forbidden, (await f.SendAsync(HttpMethod.Post, $"/v1/keys/{rknId}/rotate", f.AgcomKey)).StatusCode);
        using (HttpResponseMessage rotated = await f.SendAsync(HttpMethod.Post, $"/v1/keys/{rknId}/rotate", f.RknKey))
        {
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            JsonObject created = await f.JsonAsync(rotated);
            string newKey = created["key"]!.GetValue<string>();
            Assert.Equal(rknId, newKey.Split('_')[1]);
            Assert.Equal("rkn", created["authority"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.Unauthorized, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-1/amend", f.RknKey, new JsonObject { ["add"] = new JsonArray("b.example") })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-1/amend", newKey, new JsonObject { ["add"] = new JsonArray("b.example") })).StatusCode);
            ulong index = (ulong)created["logIndex"]!.GetValue<long>();
            JsonNode entry = JsonNode.Parse(f.Host.Registry.Queries.ReadEntries(index, 1)[0])!;
            Assert.Equal("key.rotated", entry["type"]!.GetValue<string>());
            Assert.Equal(rknId, entry["key"]!.GetValue<string>());
            f.RknKey = newKey;
        }

        // A revoked key stops working.
        Assert.Equal(HttpStatusCode.NoContent, (await f.SendAsync(HttpMethod.Post, $"/v1/keys/{f.RknKey.Split('_')[1]}/revoke", f.AdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-1/revoke", f.RknKey, new JsonObject())).StatusCode);
    }

    public static TheoryData<string, string, string, int> BadOrders => new()
    {
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["a.example"],"colour":"red"}""", "colour", "", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["Telegram.ORG","telegram.org."]}""", "targets[1]", "are both 'telegram.org'", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["a..example"]}""", "targets[0]", "", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["co.uk"]}""", "targets[0]", "public suffix", 422 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["com"]}""", "targets[0]", "public suffix", 422 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["*.github.io"]}""", "targets[0]", "public suffix", 422 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["52.0.0.0/11"]}""", "targets[0]", "wider than /16", 422 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["104.16.1.0/24"]}""", "targets[0]", "104.16.0.0/13", 422 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["10.0.0.1/8"]}""", "targets[0]", "10.0.0.0/8", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","expires":"2025-01-01T00:00:00Z","targets":["a.example"]}""", "expires", "not after", 400 },
        { """{"decision":"D","decisionDate":"13.04.2018","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["a.example"]}""", "decisionDate", "yyyy-MM-dd", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":[]}""", "targets", "at least one", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["a.example","a.example"]}""", "targets[1]", "repeats", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":["a.example"]}""", "legalBasis", "required", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"soon","targets":["a.example"]}""", "effective", "RFC 3339", 400 },
        { """{"decision":"D","decisionDate":"2018-04-13","legalBasis":"L","category":"court-order","summary":"S","effective":"2026-01-01T00:00:00Z","targets":"a.example"}""", "targets", "", 400 },
        { """{"decision":"D",""", "body", "", 400 },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task IssueOrder_BadInput_ProblemNamesFieldAndNothingIsLogged(string body, string field, string detail, int status)
    {
        await using RegistryFixture f = await StartAsync();
        ulong size = f.Host.Registry.Log.Size;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", f.RknKey);
        using HttpResponseMessage response = await f.Http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == (int)response.StatusCode, text);
        JsonObject problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(field, problem["field"]?.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        Assert.Equal(size, f.Host.Registry.Log.Size);
        Assert.Empty((await f.JsonAsync(await f.Http.GetAsync("/v1/orders", TestContext.Current.CancellationToken)))["orders"]!.AsArray());
    }

    [Fact]
    public async Task Override_WithJustification_IsAcceptedAndLogged()
    {
        await using RegistryFixture f = await StartAsync();
        JsonObject body = RegistryFixture.Order("WIDE-1", "52.0.0.0/11", "victim.example");
        body["overrides"] = new JsonArray(new JsonObject { ["target"] = "52.0.0.0/11", ["justification"] = "the whole range is operated by the botnet" });
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/WIDE-1", TestContext.Current.CancellationToken));
        string entry = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(order["history"]![0]!["entries"]![0]!["data"]!.GetValue<string>()));
        Assert.Contains("\"justification\":\"the whole range is operated by the botnet\"", entry, StringComparison.Ordinal);
        Assert.Contains("wider than /16", entry, StringComparison.Ordinal);

        // An override for a target that needs none is refused, and a decision number is used once per authority.
        body = RegistryFixture.Order("WIDE-2", "plain.example");
        body["overrides"] = new JsonArray(new JsonObject { ["target"] = "plain.example", ["justification"] = "none needed" });
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, body)).StatusCode);
        using HttpResponseMessage duplicate = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("WIDE-1", "other.example"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("decision", (await f.JsonAsync(duplicate))["field"]!.GetValue<string>());
    }
}

/// <summary>AccessAndValidationTests on SQLite.</summary>
public sealed class AccessAndValidationTestsOnSqlite() : AccessAndValidationTests(RegistryStoreKind.Sqlite);

/// <summary>AccessAndValidationTests on PostgreSQL.</summary>
public sealed class AccessAndValidationTestsOnPostgres() : AccessAndValidationTests(RegistryStoreKind.Postgres);
