using System.Net;
using System.Text.Json.Nodes;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>Orders through the real HTTP API on a real SQLite file: issue, read with proofs, amend, revoke, lookup.</summary>
public abstract class OrderApiTests(RegistryStoreKind store) : StoreTests(store)
{
    private const string Decision = "27-31-2018/Ид4412-18";

    [Fact]
    public async Task IssueAmendRevoke_EveryEventLoggedWithVerifyingProofs()
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage issued = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order(Decision, "telegram.org", "*.t.me", "149.154.160.0/20", "https://example.org/page"));
        JsonObject created = await f.JsonAsync(issued);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal("rkn/" + Decision, created["reference"]!.GetValue<string>());
        string path = "/v1/orders/rkn/" + Uri.EscapeDataString(Decision);
        Assert.EndsWith(path, issued.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, path + "/amend", f.RknKey,
            new JsonObject { ["add"] = new JsonArray("web.telegram.org"), ["remove"] = new JsonArray("https://example.org/page"), ["reason"] = "appeal" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, path + "/revoke", f.RknKey, new JsonObject { ["reason"] = "decision annulled" })).StatusCode);

        JsonObject order = await f.JsonAsync(await f.Http.GetAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal("revoked", order["status"]!.GetValue<string>());
        Assert.Equal(["*.t.me", "149.154.160.0/20", "telegram.org", "web.telegram.org"],
            order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        JsonArray history = order["history"]!.AsArray();
        Assert.Equal(["order.issued", "order.amended", "order.revoked"], history.Select(e => e!["type"]!.GetValue<string>()));

        // Every entry of every event is included in the signed tree the answer names.
        NoteVerifier verifier = NoteVerifier.Parse(await f.Http.GetStringAsync("/log/key", TestContext.Current.CancellationToken));
        Checkpoint checkpoint = Checkpoint.Parse(verifier.Verify(order["checkpoint"]!.GetValue<string>()).Text);
        Assert.Equal((ulong)order["treeSize"]!.GetValue<long>(), checkpoint.Size);
        foreach (JsonNode? evt in history)
        {
            foreach (JsonNode? entry in evt!["entries"]!.AsArray())
            {
                byte[] data = Convert.FromBase64String(entry!["data"]!.GetValue<string>());
                List<byte[]> proof = [.. entry["proof"]!.AsArray().Select(p => Convert.FromBase64String(p!.GetValue<string>()))];
                MerkleProofVerifier.VerifyInclusion((ulong)entry["index"]!.GetValue<long>(), checkpoint.Size, MerkleHash.Leaf(data), proof, checkpoint.RootHash);
            }
        }

        JsonObject first = LogEventCodec.ParseEntry(Convert.FromBase64String(history[0]!["entries"]![0]!["data"]!.GetValue<string>()), 0);
        Assert.Equal(Decision, first["decision"]!.GetValue<string>());
        Assert.Equal("rkn", first["authority"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lookup_HonoursWildcardsPrefixesUrlsExpiryAndRevocation()
    {
        await using RegistryFixture f = await StartAsync();
        JsonObject body = RegistryFixture.Order("A-1", "telegram.org", "*.t.me", "149.154.160.0/20", "2001:67c:4e8::/48", "https://example.org/dir/", "xn--d1abbgf6aiiy.xn--p1ai");
        body["expires"] = "2026-12-01T00:00:00Z";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, body)).StatusCode);

        async Task<List<string>> Matches(string query)
        {
            JsonObject result = await f.JsonAsync(await f.Http.GetAsync("/v1/lookup?" + query, TestContext.Current.CancellationToken));
            return [.. result["matches"]!.AsArray().Select(m => m!["target"]!.GetValue<string>() + " " + m["match"]!.GetValue<string>())];
        }

        Assert.Equal(["telegram.org exact"], await Matches("name=TELEGRAM.org."));
        Assert.Empty(await Matches("name=sub.telegram.org"));
        Assert.Equal(["*.t.me wildcard"], await Matches("name=a.b.t.me"));
        Assert.Empty(await Matches("name=t.me"));
        Assert.Equal(["xn--d1abbgf6aiiy.xn--p1ai exact"], await Matches("name=" + Uri.EscapeDataString("Президент.рф")));
        Assert.Equal(["149.154.160.0/20 covering-prefix"], await Matches("ip=149.154.167.99"));
        Assert.Empty(await Matches("ip=149.154.176.1"));
        Assert.Equal(["2001:67c:4e8::/48 covering-prefix"], await Matches("ip=" + Uri.EscapeDataString("2001:67c:4e8:f004::9")));
        Assert.Equal(["https://example.org/dir/ path-prefix"], await Matches("url=" + Uri.EscapeDataString("https://EXAMPLE.org/dir/page?x=1#frag")));
        Assert.Equal(["telegram.org exact"], await Matches("url=" + Uri.EscapeDataString("https://telegram.org/anything")));

        f.Time.Advance(TimeSpan.FromDays(10));
        Assert.Empty(await Matches("name=telegram.org"));
    }

    [Fact]
    public async Task LargeDecision_IsSplitIntoEntriesUnderTheTileLimit()
    {
        await using RegistryFixture f = await StartAsync();
        string[] urls = [.. Enumerable.Range(0, 3000).Select(i => $"https://files.example.net/{new string('d', 20)}/{i}")];
        using HttpResponseMessage response = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("BIG-1", urls));
        JsonObject created = await f.JsonAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(created["entries"]!.GetValue<int>() > 1, created.ToJsonString());

        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/BIG-1", TestContext.Current.CancellationToken));
        Assert.Equal(3000, order["targetCount"]!.GetValue<long>());
        Assert.Equal(1000, order["targets"]!.AsArray().Count);

        // Targets page in value order; the pages together are the order's targets, each once.
        var paged = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            string query = "/v1/orders/rkn/BIG-1?data=false&targetLimit=700" + (cursor is null ? "" : "&targetsAfter=" + Uri.EscapeDataString(cursor));
            JsonObject page = await f.JsonAsync(await f.Http.GetAsync(query, TestContext.Current.CancellationToken));
            Assert.All(page["history"]![0]!["entries"]!.AsArray(), e => Assert.Null(e!["data"]));
            Assert.All(page["history"]![0]!["entries"]!.AsArray(), e => Assert.NotEmpty(e!["proof"]!.AsArray()));
            paged.AddRange(page["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()));
            cursor = page["targetsNext"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(5, pages);
        Assert.Equal(urls.Order(StringComparer.Ordinal), paged);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.Http.GetAsync("/v1/orders/rkn/BIG-1?data=maybe", TestContext.Current.CancellationToken)).StatusCode);
        var entries = order["history"]![0]!["entries"]!.AsArray()
            .Select(e => ((ulong)e!["index"]!.GetValue<long>(), Convert.FromBase64String(e["data"]!.GetValue<string>()))).ToList();
        Assert.All(entries, e => Assert.True(e.Item2.Length <= LogEventCodec.MaxEntryLength));
        (_, _, JsonObject joined) = Assert.Single(LogEventCodec.Join(entries));
        Assert.Equal(urls, joined["targets"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task ListOrders_PagesNewestFirst()
    {
        await using RegistryFixture f = await StartAsync();
        // All three are issued in the same millisecond: the cursor must still separate them.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order($"PS-{i}", $"site{i}.example"))).StatusCode);
        }

        JsonObject page = await f.JsonAsync(await f.Http.GetAsync("/v1/orders?limit=2", TestContext.Current.CancellationToken));
        Assert.Equal(["agcom/PS-2", "agcom/PS-1"], page["orders"]!.AsArray().Select(o => o!["reference"]!.GetValue<string>()));
        JsonObject next = await f.JsonAsync(await f.Http.GetAsync("/v1/orders?limit=2&after=" + page["next"]!.GetValue<string>(), TestContext.Current.CancellationToken));
        Assert.Equal(["agcom/PS-0"], next["orders"]!.AsArray().Select(o => o!["reference"]!.GetValue<string>()));
    }
}

/// <summary>OrderApiTests on SQLite.</summary>
public sealed class OrderApiTestsOnSqlite() : OrderApiTests(RegistryStoreKind.Sqlite);

/// <summary>OrderApiTests on PostgreSQL.</summary>
public sealed class OrderApiTestsOnPostgres() : OrderApiTests(RegistryStoreKind.Postgres);
