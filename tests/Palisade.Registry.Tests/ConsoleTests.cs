using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Palisade.Registry.Tests;

/// <summary>The authority console: sign-in with the authority's key, session and anti-forgery rules over HTTP, and the
/// clerk's whole path (preview, issue, amend, revoke, sign-out) in Chromium, checked with axe-core too.</summary>
public sealed partial class ConsoleTests
{
    [GeneratedRegex("name=\"token\" value=\"([^\"]*)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("name=\"previewed\" value=\"([^\"]*)\"")]
    private static partial Regex PreviewedField();

    private sealed class Clerk(RegistryFixture f) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = f.BaseAddress };

        public HttpResponseMessage? Last { get; private set; }

        public async Task<string> GetAsync(string path)
        {
            Last = await _http.GetAsync(path, TestContext.Current.CancellationToken);
            return await Last.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }

        public async Task<string> PostAsync(string path, params (string Name, string Value)[] fields)
        {
            Last = await _http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))), TestContext.Current.CancellationToken);
            return await Last.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }

        public async Task SignInAsync(string key)
        {
            string page = await GetAsync("/console");
            await PostAsync("/console/sign-in", ("token", TokenField().Match(page).Groups[1].Value), ("key", key));
            Assert.Equal(HttpStatusCode.Redirect, Last!.StatusCode);
        }

        public void Dispose() => _http.Dispose();
    }

    private static (string, string)[] IssueFields(string token, string decision, string targets, string action, string previewed = "") =>
    [
        ("token", token), ("decision", decision), ("decisionDate", "2018-04-13"), ("legalBasis", "Federal Law 149-FZ, art. 15.4"), ("category", "court-order"),
        ("summary", "Blocking ordered by the court"), ("issuingBody", ""), ("effective", "2026-11-23T00:00:00Z"), ("expires", ""), ("targets", targets), ("overrides", ""),
        ("action", action), ("previewed", previewed),
    ];

    [Fact]
    public async Task Console_SessionCookie_AntiForgery_PreviewBeforeWrite_OwnOrdersOnly()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        using var clerk = new Clerk(f);

        // The sign-in refuses a wrong key and a non-authority key, and a post without the sign-in token.
        string page = await clerk.GetAsync("/console");
        Assert.Contains("type=\"password\"", page, StringComparison.Ordinal);
        string wrong = await clerk.PostAsync("/console/sign-in", ("token", TokenField().Match(page).Groups[1].Value), ("key", "pal_x_y"));
        Assert.Equal(HttpStatusCode.Unauthorized, clerk.Last!.StatusCode);
        Assert.Contains("The key is unknown, malformed or revoked.", wrong, StringComparison.Ordinal);
        page = await clerk.GetAsync("/console");
        await clerk.PostAsync("/console/sign-in", ("token", TokenField().Match(page).Groups[1].Value), ("key", f.AdminKey));
        Assert.Equal(HttpStatusCode.Forbidden, clerk.Last!.StatusCode);
        await clerk.PostAsync("/console/sign-in", ("token", "forged"), ("key", f.RknKey));
        Assert.Equal(HttpStatusCode.BadRequest, clerk.Last!.StatusCode);

        await clerk.SignInAsync(f.RknKey);
        string cookie = clerk.Last!.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("palisade-console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(f.RknKey, cookie, StringComparison.Ordinal);
        string home = await clerk.GetAsync("/console");
        Assert.Contains("Signed in for the authority <strong>rkn</strong>", home, StringComparison.Ordinal);
        Assert.DoesNotContain(f.RknKey, home, StringComparison.Ordinal);
        Assert.Equal("no-store", clerk.Last!.Headers.CacheControl!.ToString());

        // A form without the session's token changes nothing.
        ulong size = f.Host.Registry.Log.Size;
        string form = await clerk.GetAsync("/console/issue");
        string token = TokenField().Match(form).Groups[1].Value;
        await clerk.PostAsync("/console/issue", IssueFields("forged", "C-1", "telegram.org", "preview"));
        Assert.Equal(HttpStatusCode.BadRequest, clerk.Last!.StatusCode);

        // A preview writes nothing; only the previewed request is written.
        string preview = await clerk.PostAsync("/console/issue", IssueFields(token, "C-1", "ПРИМЕР.рф\ntelegram.org", "preview"));
        Assert.Contains("<code>xn--e1afmkfd.xn--p1ai</code>", preview, StringComparison.Ordinal);
        Assert.Contains("The registry would accept this", preview, StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);
        string previewed = PreviewedField().Match(preview).Groups[1].Value;
        await clerk.PostAsync("/console/issue", IssueFields(token, "C-1", "ПРИМЕР.рф\ntelegram.org\nextra.example", "write", previewed));
        Assert.Equal(HttpStatusCode.OK, clerk.Last!.StatusCode);
        Assert.Equal(size, f.Host.Registry.Log.Size);
        await clerk.PostAsync("/console/issue", IssueFields(token, "C-1", "ПРИМЕР.рф\ntelegram.org", "write", previewed));
        Assert.Equal(HttpStatusCode.Redirect, clerk.Last!.StatusCode);
        Assert.Equal("/orders/rkn/C-1", clerk.Last.Headers.Location!.OriginalString);
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/C-1", TestContext.Current.CancellationToken));
        Assert.Equal(["telegram.org", "xn--e1afmkfd.xn--p1ai"], order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        // A safeguard without an override shows REFUSED and offers no write.
        preview = await clerk.PostAsync("/console/issue", IssueFields(token, "C-2", "co.uk", "preview"));
        Assert.Contains("REFUSED:", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"previewed\"", preview, StringComparison.Ordinal);

        // Another authority's order cannot be changed, by the API's rule.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("AG-1", "film.example"))).StatusCode);
        string refused = await clerk.PostAsync("/console/revoke", ("token", token), ("order", "agcom/AG-1"), ("reason", "x"), ("action", "preview"));
        Assert.Contains("cannot change orders of &#x27;agcom&#x27;", refused.Replace("'", "&#x27;", StringComparison.Ordinal), StringComparison.Ordinal);
        refused = await clerk.PostAsync("/console/amend", ("token", token), ("order", "agcom/AG-1"), ("add", "x.example"), ("action", "preview"));
        Assert.Contains("Refused:", refused, StringComparison.Ordinal);

        // A forged cookie is no session; rotating the key ends the real one.
        using var forged = new HttpClient { BaseAddress = f.BaseAddress };
        string value = cookie.Split(';')[0].Split('=', 2)[1];
        forged.DefaultRequestHeaders.Add("Cookie", "palisade-console=" + value[..^1] + (value[^1] == 'A' ? 'B' : 'A'));
        Assert.Contains("type=\"password\"", await forged.GetStringAsync("/console", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("Signed in", await clerk.GetAsync("/console"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/keys/" + f.RknKey.Split('_')[1] + "/rotate", f.AdminKey)).StatusCode);
        Assert.Contains("type=\"password\"", await clerk.GetAsync("/console"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_SavedCookieAndToken_ReplayedAfterSignOutOrRevocation_OpenNothing()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        ulong size = f.Host.Registry.Log.Size;

        // The clerk signs in and saves what a browser would hold: the cookie and a form's token.
        using var clerk = new Clerk(f);
        await clerk.SignInAsync(f.RknKey);
        string cookie = clerk.Last!.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("palisade-console=", StringComparison.Ordinal)).Split(';')[0];
        string token = TokenField().Match(await clerk.GetAsync("/console/issue")).Groups[1].Value;
        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", cookie);
        async Task<HttpResponseMessage> ReplayIssueAsync(string decision)
        {
            string preview = await (await replay.PostAsync("/console/issue", new FormUrlEncodedContent(IssueFields(token, decision, "replayed.example", "preview")
                .Select(p => KeyValuePair.Create(p.Item1, p.Item2))), TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            string previewed = PreviewedField().Match(preview).Groups[1].Value;
            return await replay.PostAsync("/console/issue", new FormUrlEncodedContent(IssueFields(token, decision, "replayed.example", "write", previewed)
                .Select(p => KeyValuePair.Create(p.Item1, p.Item2))), TestContext.Current.CancellationToken);
        }

        // While signed in, the saved cookie and token write (they are the session).
        Assert.Equal(HttpStatusCode.Redirect, (await ReplayIssueAsync("S-1")).StatusCode);
        Assert.True(f.Host.Registry.Log.Size > size);
        size = f.Host.Registry.Log.Size;

        // After sign-out they write nothing, and the console asks for the key again.
        await clerk.PostAsync("/console/sign-out", ("token", token));
        Assert.Equal(HttpStatusCode.Redirect, clerk.Last!.StatusCode);
        using (HttpResponseMessage refused = await ReplayIssueAsync("S-2"))
        {
            Assert.NotEqual(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Contains("type=\"password\"", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.Contains("type=\"password\"", await replay.GetStringAsync("/console", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);
        Assert.Null(f.Host.Registry.Queries.GetOrder("rkn", "S-2"));

        // Revoking the key ends a session too.
        string second = await f.CreateKeyAsync("authority", "rkn");
        using var other = new Clerk(f);
        await other.SignInAsync(second);
        Assert.Contains("Signed in", await other.GetAsync("/console"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await f.SendAsync(HttpMethod.Post, $"/v1/keys/{second.Split('_')[1]}/revoke", f.AdminKey)).StatusCode);
        Assert.Contains("type=\"password\"", await other.GetAsync("/console"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_InChromium_IssueAmendRevokeWithPreviews_SignOut_PassesAxe()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("OLD-1", "*.t.me"))).StatusCode);
        await using Chromium browser = await Chromium.StartAsync();
        var violations = new List<string>();
        async Task Check(string what) => violations.AddRange((await AccessibilityTests.SeriousViolationsAsync(browser)).Select(v => what + ": " + v));
        async Task Click(string selector, string until)
        {
            await browser.EvaluateAsync($"setTimeout(() => document.querySelector({System.Text.Json.JsonSerializer.Serialize(selector)}).click(), 0); true");
            await browser.WaitForAsync(until);
        }

        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "console?lang=ru");
        await Check("sign-in (ru)");
        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "console?lang=en");
        await Check("sign-in");
        await browser.EvaluateAsync($"document.getElementById('key').value = {System.Text.Json.JsonSerializer.Serialize(f.RknKey)}; true");
        await Click("form[action='/console/sign-in'] button", "location.pathname === '/console' && document.readyState === 'complete' && document.body.innerText.includes('Signed in')");
        await Check("console");
        Assert.Equal("", (await browser.EvaluateAsync("document.cookie"))!.GetValue<string>());

        await Click("a[href='/console/issue']", "location.pathname === '/console/issue' && document.readyState === 'complete'");
        await Check("issue form");
        await browser.EvaluateAsync("document.getElementById('f-decision').value = 'WEB-1'; document.getElementById('f-legalBasis').value = '149-FZ'; " +
            "document.getElementById('f-category').value = 'court-order'; document.getElementById('f-summary').value = 'Issued from the console'; " +
            "document.getElementById('f-targets').value = 'A.T.ME\\nПример.рф'; true");
        await Click("button[value=preview]", "document.readyState === 'complete' && document.getElementById('preview') !== null");
        string preview = (await browser.EvaluateAsync("document.getElementById('preview').parentElement.innerText"))!.GetValue<string>();
        Assert.Contains("xn--e1afmkfd.xn--p1ai", preview, StringComparison.Ordinal);
        Assert.Contains("rkn/OLD-1", preview, StringComparison.Ordinal);
        await Check("issue preview");
        await browser.ScreenshotAsync("console-issue-preview");
        Assert.Single((await f.JsonAsync(await f.Http.GetAsync("/v1/orders?authority=rkn", TestContext.Current.CancellationToken)))["orders"]!.AsArray());
        await Click("button[value=write]", "location.pathname === '/orders/rkn/WEB-1' && document.readyState === 'complete'");

        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "console/amend?order=rkn%2FWEB-1");
        await Check("amend form");
        await browser.EvaluateAsync("document.getElementById('f-add').value = 'b.example'; document.getElementById('f-remove').value = 'a.t.me'; true");
        await Click("button[value=preview]", "document.readyState === 'complete' && document.getElementById('preview') !== null");
        await Click("button[value=write]", "location.pathname === '/orders/rkn/WEB-1' && document.readyState === 'complete'");
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/WEB-1", TestContext.Current.CancellationToken));
        Assert.Equal(["b.example", "xn--e1afmkfd.xn--p1ai"], order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "console/revoke?order=rkn%2FWEB-1");
        await browser.EvaluateAsync("document.getElementById('f-reason').value = 'annulled on appeal'; true");
        await Click("button[value=preview]", "document.readyState === 'complete' && document.getElementById('preview') !== null");
        await Check("revoke preview");
        await Click("button[value=write]", "location.pathname === '/orders/rkn/WEB-1' && document.readyState === 'complete'");
        order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/WEB-1", TestContext.Current.CancellationToken));
        Assert.Equal("revoked", order["status"]!.GetValue<string>());
        Assert.Equal(["order.issued", "order.amended", "order.revoked"], order["history"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));

        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "console");
        await Click("form[action='/console/sign-out'] button", "document.readyState === 'complete' && document.getElementById('key') !== null");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
