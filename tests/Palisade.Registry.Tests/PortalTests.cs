using System.Net;
using System.Text.RegularExpressions;
using Palisade.Log;
using Palisade.Registry.Portal;

namespace Palisade.Registry.Tests;

/// <summary>The portal's pages and the block page over real HTTP (the browser tests drive Chromium against the same).</summary>
public abstract partial class PortalTests(RegistryStoreKind store) : StoreTests(store)
{
    private async Task<RegistryFixture> WithOrdersAsync()
    {
        RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org", "*.t.me", "xn--d1abbgf6aiiy.xn--p1ai", "149.154.160.0/20"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("PS-7", "https://example.org/film/"))).StatusCode);
        return f;
    }

    [Fact]
    public async Task Search_UnicodeDomainWildcardAndAddress_ShowEachOrderAndHowItMatches()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        string unicode = await f.Http.GetStringAsync("/search?q=" + Uri.EscapeDataString("Президент.РФ"), TestContext.Current.CancellationToken);
        Assert.Contains("<code>xn--d1abbgf6aiiy.xn--p1ai</code>", unicode, StringComparison.Ordinal);
        Assert.Contains("href=\"/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18\">rkn/27-31-2018/Ид4412-18</a>", unicode, StringComparison.Ordinal);
        Assert.Contains("exact: the order names it", unicode, StringComparison.Ordinal);

        Assert.Contains("wildcard: the order names every name below a parent", await f.Http.GetStringAsync("/search?q=web.t.me", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("covering prefix", await f.Http.GetStringAsync("/search?q=149.154.167.99", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("path prefix", await f.Http.GetStringAsync("/search?q=" + Uri.EscapeDataString("https://example.org/film/x.mp4"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("0 active order(s)", await f.Http.GetStringAsync("/search?q=t.me", TestContext.Current.CancellationToken), StringComparison.Ordinal);

        string csv = await f.Http.GetStringAsync("/search.csv?q=telegram.org", TestContext.Current.CancellationToken);
        Assert.Equal("order,authority,category,target,kind,match\r\nrkn/27-31-2018/Ид4412-18,rkn,court-order,telegram.org,domain,exact\r\n", csv);

        using var noRedirect = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = f.BaseAddress };
        using HttpResponseMessage reference = await noRedirect.GetAsync("/search?q=agcom/PS-7", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, reference.StatusCode);
        Assert.Equal("/orders/agcom/PS-7", reference.Headers.Location!.OriginalString);

        // A reference that names no order says so, rather than that it is not a domain name.
        using HttpResponseMessage missing = await noRedirect.GetAsync("/search?q=rkn/NO-SUCH-1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        string page = await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("There is no order rkn/NO-SUCH-1.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("not a domain name", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/orders//x")]
    [InlineData("/orders/rkn/")]
    [InlineData("/orders//")]
    public async Task OrderPage_EmptyAuthorityOrDecision_NotFoundNotAFault(string path)
    {
        await using RegistryFixture f = await StartAsync();
        using HttpResponseMessage response = await f.Http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OrderPage_ShowsHistoryWithProofsThatVerify()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        string page = await f.Http.GetStringAsync("/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", TestContext.Current.CancellationToken);
        Assert.Contains("<h1>Order rkn/27-31-2018/Ид4412-18 — Palisade registry</h1>".Replace(" — Palisade registry", "", StringComparison.Ordinal), page, StringComparison.Ordinal);
        Assert.Contains("Federal Law 149-FZ, art. 15.4", page, StringComparison.Ordinal);
        Assert.Contains("<code>xn--d1abbgf6aiiy.xn--p1ai</code>", page, StringComparison.Ordinal);
        // Attribute values are HTML-encoded ('+' of base64 is written &#x2B;): decode them as a browser does.
        byte[] root = Convert.FromBase64String(WebUtility.HtmlDecode(RootHash().Match(page).Groups[1].Value));
        MatchCollection proofs = ProofCell().Matches(page);
        Assert.NotEmpty(proofs);
        foreach (Match proof in proofs)
        {
            string[] path = WebUtility.HtmlDecode(proof.Groups[4].Value).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            MerkleProofVerifier.VerifyInclusion(ulong.Parse(proof.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                ulong.Parse(proof.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                Convert.FromBase64String(WebUtility.HtmlDecode(proof.Groups[3].Value)), [.. path.Select(Convert.FromBase64String)], root);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/orders/rkn/NOPE", TestContext.Current.CancellationToken)).StatusCode);
        string authority = await f.Http.GetStringAsync("/authorities/rkn", TestContext.Current.CancellationToken);
        Assert.Contains("rkn/27-31-2018/Ид4412-18", authority, StringComparison.Ordinal);
        string csv = await f.Http.GetStringAsync("/orders.csv?authority=rkn", TestContext.Current.CancellationToken);
        Assert.StartsWith("reference,authority,decision,category,status,effective,targets,url\r\nrkn/27-31-2018/Ид4412-18,rkn,27-31-2018/Ид4412-18,court-order,active,", csv, StringComparison.Ordinal);
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        string all = await f.Http.GetStringAsync("/orders", TestContext.Current.CancellationToken);
        Assert.Contains("agcom/PS-7", all, StringComparison.Ordinal);
        Assert.Contains("rkn/27-31-2018/Ид4412-18", all, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.Json.Nodes.JsonNode.Parse(await f.Http.GetStringAsync("/orders.json", TestContext.Current.CancellationToken))!.AsArray().Count);
        string home = await f.Http.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Matches(@"<td><a href=""/authorities/rkn"">rkn</a></td><td>court-order</td><td>1</td><td>4</td>", home);
    }

    [Fact]
    public async Task BlockPage_AnswersAnyHostWith451AndTheOrder()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        await using BlockPageHost blockPage = await BlockPageHost.StartAsync(f.Host.Registry, ["http://127.0.0.1:0"], TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        using var blocked = new HttpRequestMessage(HttpMethod.Get, blockPage.Addresses[0] + "/anything?x=1");
        blocked.Headers.Host = "web.t.me";
        using HttpResponseMessage response = await http.SendAsync(blocked, TestContext.Current.CancellationToken);
        Assert.Equal((HttpStatusCode)451, response.StatusCode);
        Assert.Equal($"<{f.Host.Registry.PublicUrl.TrimEnd('/')}/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18>; rel=\"blocked-by\"", response.Headers.GetValues("Link").Single());
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("Roskomnadzor", body, StringComparison.Ordinal);
        Assert.Contains("Federal Law 149-FZ, art. 15.4", body, StringComparison.Ordinal);
        Assert.Contains("How to appeal", body, StringComparison.Ordinal);

        using var other = new HttpRequestMessage(HttpMethod.Get, blockPage.Addresses[0]);
        other.Headers.Host = "not-blocked.example";
        using HttpResponseMessage unmatched = await http.SendAsync(other, TestContext.Current.CancellationToken);
        Assert.Equal((HttpStatusCode)451, unmatched.StatusCode);
        Assert.False(unmatched.Headers.Contains("Link"));

        // A name two orders in force cover: the page and the Link header name both.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("PS-8", "web.t.me"))).StatusCode);
        using var twice = new HttpRequestMessage(HttpMethod.Get, blockPage.Addresses[0] + "/");
        twice.Headers.Host = "web.t.me";
        using HttpResponseMessage both = await http.SendAsync(twice, TestContext.Current.CancellationToken);
        string site = f.Host.Registry.PublicUrl.TrimEnd('/');
        Assert.Equal($"<{site}/orders/agcom/PS-8>; rel=\"blocked-by\", <{site}/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18>; rel=\"blocked-by\"",
            string.Join(", ", both.Headers.GetValues("Link")));
        string bothBody = await both.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("agcom/PS-8", bothBody, StringComparison.Ordinal);
        Assert.Contains("rkn/27-31-2018/Ид4412-18", bothBody, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"<code id=""root"">([^<]+)</code>")]
    private static partial Regex RootHash();

    [GeneratedRegex(@"data-index=""(\d+)"" data-size=""(\d+)"" data-leaf=""([^""]+)"" data-proof=""([^""]*)""")]
    private static partial Regex ProofCell();
}

/// <summary>PortalTests on SQLite.</summary>
public sealed class PortalTestsOnSqlite() : PortalTests(RegistryStoreKind.Sqlite);

/// <summary>PortalTests on PostgreSQL.</summary>
public sealed class PortalTestsOnPostgres() : PortalTests(RegistryStoreKind.Postgres);
