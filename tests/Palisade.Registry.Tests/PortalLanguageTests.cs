using System.Collections;
using System.Globalization;
using System.Net;
using System.Resources;
using System.Text.Json.Nodes;
using Palisade.Registry.Portal;

namespace Palisade.Registry.Tests;

/// <summary>The portal in English, Russian and Chinese (resource files, <c>?lang=</c>, <c>Accept-Language</c>, dates
/// and numbers per language, IDNs in Unicode beside their A-label), and its pictures of blocking over time.</summary>
public sealed class PortalLanguageTests
{
    private static async Task<RegistryFixture> WithOrdersAsync()
    {
        RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org", "президент.рф", "مثال.إختبار", "149.154.160.0/20"))).StatusCode);
        JsonObject film = RegistryFixture.Order("PS-7", "film.example", "https://example.org/film/");
        film["category"] = "copyright";
        film["effective"] = "2026-11-24T00:00:00Z";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, film)).StatusCode);
        return f;
    }

    private static async Task<(string Body, HttpResponseMessage Response)> GetAsync(RegistryFixture f, string path, string? acceptLanguage = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptLanguage is not null)
        {
            request.Headers.Add("Accept-Language", acceptLanguage);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        // Without a cookie jar: each request carries exactly the cookie the test gives it.
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = f.BaseAddress };
        HttpResponseMessage response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response);
    }

    [Fact]
    public void ResourceFiles_TranslateEveryText()
    {
        var strings = new ResourceManager("Palisade.Registry.Portal.Strings", typeof(PortalLanguage).Assembly);
        ResourceSet neutral = strings.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)!;
        List<string> keys = [.. neutral.Cast<DictionaryEntry>().Select(e => (string)e.Key)];
        Assert.True(keys.Count > 100, $"{keys.Count} texts");
        foreach (string culture in (string[])["ru", "zh"])
        {
            ResourceSet set = strings.GetResourceSet(CultureInfo.GetCultureInfo(culture), createIfNotExists: true, tryParents: false)!;
            List<string> missing = [.. keys.Where(k => set.GetString(k) is not { Length: > 0 })];
            Assert.True(missing.Count == 0, $"{culture} lacks {string.Join(", ", missing)}");

            // Every placeholder of the English text is in the translation.
            foreach (string key in keys)
            {
                string english = neutral.GetString(key)!;
                for (int n = 0; english.Contains($"{{{n}}}", StringComparison.Ordinal); n++)
                {
                    Assert.True(set.GetString(key)!.Contains($"{{{n}}}", StringComparison.Ordinal), $"{culture} {key} lacks {{{n}}}");
                }
            }
        }
    }

    [Fact]
    public async Task EveryPage_InRussianAndChinese_ByQueryCookieOrAcceptLanguage()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        (string ru, HttpResponseMessage response) = await GetAsync(f, "/?lang=ru");
        Assert.Contains("<html lang=\"ru\">", ru, StringComparison.Ordinal);
        Assert.Contains("<h1>Открытый реестр предписаний о блокировке</h1>", ru, StringComparison.Ordinal);
        Assert.Equal("ru", response.Content.Headers.ContentLanguage.Single());
        string cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("palisade-lang=ru;", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        (string zh, _) = await GetAsync(f, "/?lang=zh");
        Assert.Contains("<html lang=\"zh\">", zh, StringComparison.Ordinal);
        Assert.Contains("<h1>封锁命令透明登记册</h1>", zh, StringComparison.Ordinal);

        // The cookie keeps the choice; Accept-Language decides without one; English is the default.
        Assert.Contains("<html lang=\"ru\">", (await GetAsync(f, "/orders", cookie: "palisade-lang=ru")).Body, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"zh\">", (await GetAsync(f, "/orders", "zh-CN,zh;q=0.9,en;q=0.8")).Body, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"ru\">", (await GetAsync(f, "/orders", "de-DE, ru;q=0.5, en;q=0.1")).Body, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", (await GetAsync(f, "/orders", "de-DE, fr;q=0.5")).Body, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", (await GetAsync(f, "/orders?lang=en", "ru")).Body, StringComparison.Ordinal);

        // The switcher links to the same page and query in each language.
        (string search, _) = await GetAsync(f, "/search?q=telegram.org&lang=zh");
        Assert.Contains("href=\"/search?q=telegram.org&amp;lang=ru\" lang=\"ru\" hreflang=\"ru\"", search, StringComparison.Ordinal);
        Assert.Contains("精确：命令直接列出该目标", search, StringComparison.Ordinal);

        // Every page, in each language: its html lang, its own title, no English layout left.
        string order = "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18";
        foreach (string path in (string[])["/", "/orders", order, "/authorities/rkn", "/search?q=telegram.org", "/search", "/verify", "/operators", "/mirrors", "/orders/rkn/NOPE"])
        {
            foreach ((string lang, string layout) in ((string, string)[])[("ru", "Проверьте этот реестр сами"), ("zh", "自行验证本登记处")])
            {
                (string page, _) = await GetAsync(f, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + lang);
                Assert.Contains($"<html lang=\"{lang}\">", page, StringComparison.Ordinal);
                Assert.Contains(layout, page, StringComparison.Ordinal);
                Assert.DoesNotContain("Verify this registry yourself", page, StringComparison.Ordinal);
                Assert.DoesNotContain(">Search<", page, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task OrderPage_DatesNumbersAndUnicodeNames_PerLanguage()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        string order = "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18";
        (string ru, _) = await GetAsync(f, order + "?lang=ru");
        Assert.Contains(">23 ноября 2026 г. 00:00 UTC</time>", ru, StringComparison.Ordinal);
        Assert.Contains("<h1>Предписание rkn/27-31-2018/Ид4412-18</h1>", ru, StringComparison.Ordinal);
        (string zh, _) = await GetAsync(f, order + "?lang=zh");
        Assert.Contains(">2026年11月23日 00:00 UTC</time>", zh, StringComparison.Ordinal);
        (string en, _) = await GetAsync(f, order);
        Assert.Contains(">23 November 2026 00:00 UTC</time>", en, StringComparison.Ordinal);

        // IDNs in Unicode beside the A-label; a right-to-left name isolated so that it cannot reorder the text around it.
        Assert.Contains("<code>xn--d1abbgf6aiiy.xn--p1ai</code> <span class=\"unicode\">(shown as <bdi>президент.рф</bdi>)</span>", en, StringComparison.Ordinal);
        Assert.Contains("<bdi>مثال.إختبار</bdi>", en, StringComparison.Ordinal);
        Assert.Contains("<code>telegram.org</code> (domain)", en, StringComparison.Ordinal);

        Assert.Equal("1\u00A0234\u00A0567", PortalLanguage.Russian.Number(1_234_567));
        Assert.Equal("1,234,567", PortalLanguage.Chinese.Number(1_234_567));
        Assert.Equal("1,234,567", PortalLanguage.English.Number(1_234_567));
    }

    [Fact]
    public async Task BlockPage_SpeaksTheBrowsersLanguage()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        await using BlockPageHost blockPage = await BlockPageHost.StartAsync(f.Host.Registry, ["http://127.0.0.1:0"], TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        foreach ((string lang, string title, string appeal) in ((string, string, string)[])[
            ("ru-RU,ru;q=0.9", "Недоступно по юридическим причинам", "Как обжаловать"), ("zh-CN", "因法律原因无法访问", "如何申诉"), ("en", "Unavailable for legal reasons", "How to appeal")])
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, blockPage.Addresses[0] + "/");
            request.Headers.Host = "telegram.org";
            request.Headers.Add("Accept-Language", lang);
            using HttpResponseMessage response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal((HttpStatusCode)451, response.StatusCode);
            Assert.Contains(title, body, StringComparison.Ordinal);
            Assert.Contains(appeal, body, StringComparison.Ordinal);
            Assert.Contains("Federal Law 149-FZ, art. 15.4", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Charts_DrawOrdersAndTargetsInForceOverTimeFromTheLog_WithTheNumbersAsCsv()
    {
        await using RegistryFixture f = await WithOrdersAsync();
        f.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/agcom/PS-7/amend", f.AgcomKey,
            new JsonObject { ["add"] = new JsonArray("film2.example", "film3.example") })).StatusCode);
        f.Time.Advance(TimeSpan.FromDays(1));

        string home = await f.Http.GetStringAsync("/", TestContext.Current.CancellationToken);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"", home, StringComparison.Ordinal);
        Assert.Contains("<title id=\"chart-orders-t\">Orders in force</title>", home, StringComparison.Ordinal);
        Assert.Contains("<title id=\"chart-categories-t\">Targets in force by category</title>", home, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", home, StringComparison.Ordinal);

        string[] rows = (await f.Http.GetStringAsync("/stats/in-force.csv", TestContext.Current.CancellationToken)).TrimEnd().Split("\r\n");
        Assert.Equal("time,orders,targets", rows[0]);
        Assert.Equal(PortalCharts.Samples, rows.Length - 1);
        Assert.StartsWith("2026-11-23T12:00:00Z,1,4", rows[1], StringComparison.Ordinal);
        Assert.EndsWith(",2,8", rows[^1], StringComparison.Ordinal);

        // The copyright order came in force a day after it was issued, and grew by two targets two days later.
        List<(DateTimeOffset Time, int Orders, int Targets)> series = [.. rows.Skip(1).Select(r => r.Split(','))
            .Select(c => (DateTimeOffset.Parse(c[0], CultureInfo.InvariantCulture), int.Parse(c[1], CultureInfo.InvariantCulture), int.Parse(c[2], CultureInfo.InvariantCulture)))];
        Assert.All(series.Where(p => p.Time < new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero)), p => Assert.Equal((1, 4), (p.Orders, p.Targets)));
        Assert.All(series.Where(p => p.Time >= new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero) && p.Time < new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)),
            p => Assert.Equal((2, 6), (p.Orders, p.Targets)));

        Assert.Equal("category,orders,targets\r\ncopyright,1,4\r\ncourt-order,1,4\r\n", await f.Http.GetStringAsync("/stats/categories.csv", TestContext.Current.CancellationToken));
        string[] agcom = (await f.Http.GetStringAsync("/stats/in-force.csv?authority=agcom", TestContext.Current.CancellationToken)).TrimEnd().Split("\r\n");
        Assert.EndsWith(",1,4", agcom[^1], StringComparison.Ordinal);
        Assert.Contains("/stats/in-force.csv?authority=agcom", await f.Http.GetStringAsync("/authorities/agcom", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/stats/in-force.csv?authority=nobody", TestContext.Current.CancellationToken)).StatusCode);

        // Revoking takes the order out from then on.
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18/revoke", f.RknKey, new JsonObject())).StatusCode);
        f.Time.Advance(TimeSpan.FromHours(1));
        string[] after = (await f.Http.GetStringAsync("/stats/in-force.csv", TestContext.Current.CancellationToken)).TrimEnd().Split("\r\n");
        Assert.EndsWith(",1,4", after[^1], StringComparison.Ordinal);
        Assert.StartsWith("2026-11-23T12:00:00Z,1,4", after[1], StringComparison.Ordinal);
    }
}
