using System.Net;
using System.Net.Sockets;
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

    [Fact]
    public async Task Check_UrlOverItsLimit_400NamesTheLimit()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        string longUrl = "https://long.example/" + new string('a', RegistryQueries.MaxDelistingUrlLength);
        using HttpResponseMessage refused = await f.Http.PostAsync("/v1/delisting/check",
            new StringContent("https://fine.example/\n" + longUrl + "\n"), TestContext.Current.CancellationToken);
        string problem = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"at most {RegistryQueries.MaxDelistingUrlLength}", problem, StringComparison.Ordinal);
        Assert.Equal("urls[1]", JsonNode.Parse(problem)!["field"]!.GetValue<string>());

        // At the limit it is checked.
        string atLimit = "https://long.example/" + new string('a', RegistryQueries.MaxDelistingUrlLength - "https://long.example/".Length);
        Assert.False((await CheckAsync(f, new StringContent(atLimit)))[0]!["delisted"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Check_BodyOverItsLimit_413NamesTheLimit(bool declared)
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        byte[] body = new byte[DelistingCheckEndpoint.MaxBodyBytes + 1];
        Array.Fill(body, (byte)'a');
        HttpContent content = declared ? new ByteArrayContent(body) : new StreamContent(new NoLengthStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using HttpResponseMessage refused = await f.Http.PostAsync("/v1/delisting/check", content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains($"at most {DelistingCheckEndpoint.MaxBodyBytes} bytes", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MoreThanRunAndWait_503WithRetryAfter_ThenServedAgain()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();

        // Checks whose bodies never finish hold every turn and every place in the queue.
        var held = new List<TcpClient>();
        try
        {
            HttpResponseMessage? busy = null;
            for (int i = 0; i < DelistingCheckEndpoint.MaxConcurrentChecks + DelistingCheckEndpoint.MaxQueuedChecks + 8 && busy is null; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(f.BaseAddress.Host, f.BaseAddress.Port, TestContext.Current.CancellationToken);
                held.Add(client);
                byte[] head = Encoding.ASCII.GetBytes($"POST /v1/delisting/check HTTP/1.1\r\nHost: {f.BaseAddress.Authority}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nhttps://");
                await client.GetStream().WriteAsync(head, TestContext.Current.CancellationToken);
                if (held.Count > DelistingCheckEndpoint.MaxConcurrentChecks + DelistingCheckEndpoint.MaxQueuedChecks)
                {
                    using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    try
                    {
                        HttpResponseMessage answer = await f.Http.PostAsync("/v1/delisting/check", new StringContent("https://free.example/"), quick.Token);
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
                        busy = answer;
                    }
                    catch (TaskCanceledException)
                    {
                        // Still queued: the held checks had not all reached the queue.
                    }
                }
            }

            Assert.NotNull(busy);
            Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter!.Delta);
            Assert.Contains($"at most {DelistingCheckEndpoint.MaxConcurrentChecks} delisting checks run at once", await busy.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            busy.Dispose();
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        // Once the holders hang up, checks run again.
        JsonArray answer2 = [];
        for (int i = 0; i < 100; i++)
        {
            using HttpResponseMessage response = await f.Http.PostAsync("/v1/delisting/check", new StringContent("https://free.example/"), TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                answer2 = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsArray();
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Single(answer2);
    }

    [Fact]
    public async Task Check_TenConcurrentOversizedBodies_RegistryMemoryStaysBounded()
    {
        string data = Directory.CreateTempSubdirectory("palisade-delisting-memory-").FullName;
        (System.Diagnostics.Process server, Uri baseUri, _) = await CrashTests.StartServerAsync(data, []);
        try
        {
            using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/log/checkpoint", TestContext.Current.CancellationToken)).StatusCode);
            long before = PalisadeProcess.ResidentBytesOf(server.Id);

            // The red team's bodies: 10,000 URLs of 3,000 characters (30 MB), ten at once, declared and chunked.
            string url = "https://big.example/" + new string('p', 2980);
            byte[] oversized = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("\"" + url + "\"", 10_000)) + "]");
            async Task<HttpStatusCode> SendAsync(bool declared)
            {
                HttpContent content = declared ? new ByteArrayContent(oversized) : new StreamContent(new NoLengthStream(oversized));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/delisting/check") { Content = content };
                request.Headers.ExpectContinue = declared;
                using HttpResponseMessage response = await http.SendAsync(request, TestContext.Current.CancellationToken);
                return response.StatusCode;
            }

            foreach (bool declared in new[] { true, false })
            {
                HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => SendAsync(declared)));
                Assert.All(statuses, s => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, s));
            }

            // Ten of the largest checks allowed, at once: all answered, within the same memory.
            string fair = "https://fair.example/" + new string('q', 370);
            byte[] largest = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, RegistryQueries.MaxDelistingUrls).Select(i => fair + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            Assert.True(largest.Length <= DelistingCheckEndpoint.MaxBodyBytes);
            int[] counts = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                using HttpResponseMessage response = await http.PostAsync("/v1/delisting/check", new ByteArrayContent(largest), TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return JsonNode.Parse(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken))!.AsArray().Count;
            }));
            Assert.All(counts, c => Assert.Equal(RegistryQueries.MaxDelistingUrls, c));

            long after = PalisadeProcess.ResidentBytesOf(server.Id);
            Assert.True(after - before < 300L * 1024 * 1024, $"the registry grew from {before / (1024 * 1024)} to {after / (1024 * 1024)} MiB");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
            server.Dispose();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<JsonArray> CheckAsync(RegistryFixture f, HttpContent content)
    {
        using HttpResponseMessage response = await f.Http.PostAsync("/v1/delisting/check", content, TestContext.Current.CancellationToken);
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsArray();
    }

    /// <summary>A body sent chunked: a stream that does not tell its length.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
