using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Search engines: POST /v1/delisting/check answers for each URL whether the version in force delists it, from
/// the same compiled policy as every enforcement point; GET …/notice gives the text shown in place of removed results.</summary>
public sealed class DelistingTests
{
    [Fact]
    public async Task Check_EveryTargetKind_FromTheVersionInForce()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("D-1",
            "https://exact.example/page", "https://prefix.example/film/", "blocked.example", "*.wild.example", "192.0.2.0/24"))).StatusCode);
        f.Host.Registry.Versions.PublishVersion();

        // Issued but not yet in a published version: not delisted yet.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("D-2", "https://later.example/"))).StatusCode);

        string[] urls =
        [
            "https://exact.example/page", "https://exact.example/other", "https://prefix.example/film/part-2", "https://prefix.example/films",
            "http://blocked.example/any/path?q=1", "https://WWW.blocked.example/", "https://a.wild.example/x", "https://wild.example/",
            "http://192.0.2.7/x", "http://[::ffff:192.0.2.8]/", "https://later.example/", "https://free.example/", "not a url",
        ];
        JsonArray answer = await CheckAsync(f, new StringContent(new JsonArray([.. urls.Select(u => JsonValue.Create(u))]).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(urls.Length, answer.Count);
        bool[] delisted = [true, false, true, false, true, false, true, false, true, true, false, false, false];
        for (int i = 0; i < urls.Length; i++)
        {
            Assert.Equal(urls[i], answer[i]!["url"]!.GetValue<string>());
            Assert.True(delisted[i] == answer[i]!["delisted"]!.GetValue<bool>(), urls[i]);
            Assert.Equal(delisted[i] ? ["rkn/D-1"] : [], answer[i]!["orders"]!.AsArray().Select(o => o!.GetValue<string>()));
        }

        Assert.Contains("not an http(s) URL", answer[^1]!["error"]!.GetValue<string>(), StringComparison.Ordinal);

        // One URL per line works too; once the version that holds D-2 is published, it is delisted.
        f.Host.Registry.Versions.PublishVersion();
        answer = await CheckAsync(f, new StringContent("https://later.example/\r\n\nhttps://free.example/\n", Encoding.UTF8, "text/plain"));
        Assert.Equal([true, false], answer.Select(a => a!["delisted"]!.GetValue<bool>()));
        Assert.Equal("agcom/D-2", answer[0]!["orders"]![0]!.GetValue<string>());

        // At most 10,000 URLs per check.
        string tooMany = string.Join('\n', Enumerable.Range(0, RegistryQueries.MaxDelistingUrls + 1).Select(i => $"https://x{i}.example/"));
        using HttpResponseMessage refused = await f.Http.PostAsync("/v1/delisting/check", new StringContent(tooMany), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task Notice_JsonAndHtml_NameTheOrderAndLinkItsPage()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        JsonObject order = RegistryFixture.Order("N/1", "https://exact.example/page");
        order["summary"] = "<script>alert(1)</script> a film";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, order)).StatusCode);

        JsonObject notice = JsonNode.Parse(await f.Http.GetStringAsync("/v1/orders/rkn/N%2F1/notice", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("rkn/N/1", notice["reference"]!.GetValue<string>());
        Assert.Equal("Roskomnadzor", notice["authorityName"]!.GetValue<string>());
        Assert.EndsWith("/orders/rkn/N%2F1", notice["page"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Results were removed in response to order rkn/N/1 of Roskomnadzor", notice["text"]!.GetValue<string>(), StringComparison.Ordinal);

        using HttpResponseMessage html = await f.Http.GetAsync("/v1/orders/rkn/N%2F1/notice?format=html", TestContext.Current.CancellationToken);
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        string fragment = await html.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("<aside class=\"palisade-notice\">", fragment, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", fragment, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", fragment, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/v1/orders/rkn/none/notice", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static async Task<JsonArray> CheckAsync(RegistryFixture f, HttpContent content)
    {
        using HttpResponseMessage response = await f.Http.PostAsync("/v1/delisting/check", content, TestContext.Current.CancellationToken);
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsArray();
    }
}
