using System.Globalization;
using System.Net;
using Palisade.Registry.Portal;

namespace Palisade.Registry.Tests;

/// <summary>The portal and the block page in a real browser (Debian's Chromium, headless), with screenshots saved as
/// test artifacts.</summary>
public sealed class BrowserTests
{
    [Fact]
    public async Task Browser_SearchesByUnicodeName_VerifiesTheOrdersProofs_AndSeesTheBlockPage()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org", "xn--d1abbgf6aiiy.xn--p1ai"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18/amend", f.RknKey,
            new System.Text.Json.Nodes.JsonObject { ["add"] = new System.Text.Json.Nodes.JsonArray("*.blocked.example") })).StatusCode);
        await using BlockPageHost blockPage = await BlockPageHost.StartAsync(f.Host.Registry, ["http://127.0.0.1:0"], TestContext.Current.CancellationToken);
        int blockPort = new Uri(blockPage.Addresses[0]).Port;
        await using Chromium browser = await Chromium.StartAsync($"MAP *.blocked.example 127.0.0.1:{blockPort.ToString(CultureInfo.InvariantCulture)}");

        // Search from the home page's form, by the name in Cyrillic and upper case.
        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri);
        await browser.EvaluateAsync("document.getElementById('q').value = 'Президент.РФ'; setTimeout(() => document.querySelector('form[role=search]').submit(), 0); true");
        await browser.WaitForAsync("location.pathname === '/search' && document.readyState === 'complete'");
        string results = (await browser.EvaluateAsync("document.querySelector('main').innerText"))!.GetValue<string>();
        Assert.Contains("rkn/27-31-2018/Ид4412-18", results, StringComparison.Ordinal);
        Assert.Contains("xn--d1abbgf6aiiy.xn--p1ai", results, StringComparison.Ordinal);
        await browser.ScreenshotAsync("search-unicode");

        // Follow the result to the order page; its script checks every inclusion proof with the browser's SHA-256.
        await browser.EvaluateAsync("setTimeout(() => document.querySelector('main table a').click(), 0); true");
        await browser.WaitForAsync("location.pathname.startsWith('/orders/') && document.querySelectorAll('td.proof').length > 0 && [...document.querySelectorAll('td.proof')].every(c => c.dataset.verified !== undefined)");
        Assert.Equal(2, (await browser.EvaluateAsync("document.querySelectorAll('td.proof').length"))!.GetValue<int>());
        Assert.True((await browser.EvaluateAsync("[...document.querySelectorAll('td.proof')].every(c => c.dataset.verified === 'true')"))!.GetValue<bool>());
        Assert.Contains("order.amended", (await browser.EvaluateAsync("document.querySelector('main').innerText"))!.GetValue<string>(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("order-page");

        // The page runs under its Content-Security-Policy: its own style sheet and proof checker apply (above), an
        // injected inline script does not run, and the headers are there.
        Assert.Equal("0px", (await browser.EvaluateAsync("getComputedStyle(document.body).marginTop"))!.GetValue<string>());
        await browser.EvaluateAsync("(() => { const x = document.createElement('script'); x.textContent = 'window.injected = 1'; document.body.appendChild(x); return true; })()");
        Assert.Equal("undefined", (await browser.EvaluateAsync("typeof window.injected"))!.GetValue<string>());
        string headers = (await browser.EvaluateAsync(
            "fetch(location.href).then(r => ['content-security-policy', 'x-content-type-options', 'referrer-policy'].map(h => r.headers.get(h)).join('|'))"))!.GetValue<string>();
        Assert.Contains("frame-ancestors 'none'", headers, StringComparison.Ordinal);
        Assert.Contains("script-src 'sha256-", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", headers, StringComparison.Ordinal);
        Assert.Contains("|nosniff|no-referrer", headers, StringComparison.Ordinal);

        // A tampered root: the same script must say the proofs do not verify.
        await browser.EvaluateAsync("document.getElementById('root').textContent = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='; true");
        await browser.EvaluateAsync("[...document.querySelectorAll('script')].map(s => { const n = document.createElement('script'); n.textContent = s.textContent; document.body.appendChild(n); }).length");
        await browser.WaitForAsync("[...document.querySelectorAll('td.proof')].every(c => c.dataset.verified === 'false')");

        // The DNS block-page action sends users to the block page: 451 with the order. (A .example name: real sites
        // such as telegram.org are on Chromium's HSTS preload list, so it would never ask for them over plain http.)
        await browser.NavigateAsync("http://news.blocked.example/today");
        Assert.Equal("news.blocked.example", (await browser.EvaluateAsync("location.hostname"))!.GetValue<string>());
        Assert.Equal("451 <" + f.Host.Registry.PublicUrl.TrimEnd('/') + "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18>; rel=\"blocked-by\"",
            (await browser.EvaluateAsync("fetch(location.href).then(r => r.status + ' ' + r.headers.get('link'))"))!.GetValue<string>());
        string blocked = (await browser.EvaluateAsync("document.querySelector('main').innerText"))!.GetValue<string>();
        Assert.Contains("Unavailable for legal reasons", blocked, StringComparison.Ordinal);
        Assert.Contains("rkn/27-31-2018/Ид4412-18", blocked, StringComparison.Ordinal);
        Assert.Contains("How to appeal", blocked, StringComparison.Ordinal);
        await browser.ScreenshotAsync("block-page");
    }

    [Fact]
    public async Task Browser_PortalInChineseAndRussian_DrawsTheChartsAndIsolatesRightToLeftNames()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("R-1", "telegram.org", "президент.рф", "مثال.إختبار"))).StatusCode);
        f.Time.Advance(TimeSpan.FromDays(1));
        await using Chromium browser = await Chromium.StartAsync();

        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "?lang=zh");
        Assert.Equal("zh", (await browser.EvaluateAsync("document.documentElement.lang"))!.GetValue<string>());
        Assert.Equal("封锁命令透明登记册", (await browser.EvaluateAsync("document.querySelector('h1').innerText"))!.GetValue<string>());

        // The charts are drawn without any script: the lines and bars have an extent on the page.
        Assert.Equal(3, (await browser.EvaluateAsync("document.querySelectorAll('main svg[role=img]').length"))!.GetValue<int>());
        Assert.True((await browser.EvaluateAsync("[...document.querySelectorAll('main svg polyline, main svg rect')].every(e => e.getBBox().width > 0)"))!.GetValue<bool>());
        await browser.ScreenshotAsync("home-zh-charts");

        // The switcher takes the reader to Russian and the choice stays for the next page.
        await browser.EvaluateAsync("setTimeout(() => document.querySelector('nav.lang a[lang=ru]').click(), 0); true");
        await browser.WaitForAsync("document.documentElement.lang === 'ru' && document.readyState === 'complete'");
        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri + "orders/rkn/R-1");
        Assert.Equal("ru", (await browser.EvaluateAsync("document.documentElement.lang"))!.GetValue<string>());
        await browser.WaitForAsync("[...document.querySelectorAll('td.proof')].every(c => c.dataset.verified !== undefined)");
        Assert.Equal("проверено", (await browser.EvaluateAsync("document.querySelector('td.proof .verdict').innerText"))!.GetValue<string>());

        // A right-to-left name is shown in its own direction, isolated from the left-to-right text around it.
        Assert.Equal("rtl", (await browser.EvaluateAsync("getComputedStyle([...document.querySelectorAll('bdi')].find(b => b.innerText.startsWith('مثال'))).direction"))!.GetValue<string>());
        Assert.Equal("ltr", (await browser.EvaluateAsync("getComputedStyle([...document.querySelectorAll('bdi')].find(b => b.innerText === 'президент.рф')).direction"))!.GetValue<string>());
        await browser.ScreenshotAsync("order-ru-idn");
    }
}
