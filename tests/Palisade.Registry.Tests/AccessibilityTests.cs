using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Deque.AxeCore.Commons;
using Palisade.Registry.Portal;

namespace Palisade.Registry.Tests;

/// <summary>Every portal page, in each language, and the block page pass axe-core (the accessibility engine, run in
/// Chromium) with no serious or critical violation.</summary>
public sealed class AccessibilityTests
{
    private static readonly string s_axe = new BundledAxeScriptProvider().GetScript();

    /// <summary>Runs axe-core on the page loaded in <paramref name="browser"/> and returns its serious and critical
    /// violations, each as "rule (impact): target — help".</summary>
    internal static async Task<List<string>> SeriousViolationsAsync(Chromium browser)
    {
        await browser.EvaluateAsync(s_axe + ";true");
        JsonNode? violations = await browser.EvaluateAsync(
            "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')" +
            ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ') + ' — ' + v.help))");
        Assert.NotNull(violations);
        return [.. violations.AsArray().Select(v => v!.GetValue<string>())];
    }

    [Fact]
    public async Task EveryPage_InEveryLanguage_HasNoSeriousOrCriticalViolation()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org", "президент.рф", "مثال.إختبار", "149.154.160.0/20", "https://example.org/film/"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey,
            new JsonObject { ["id"] = "isp-1", ["name"] = "An ISP", ["kind"] = "isp", ["country"] = "RU" })).StatusCode);
        f.Time.Advance(TimeSpan.FromDays(1));
        await using BlockPageHost blockPage = await BlockPageHost.StartAsync(f.Host.Registry, ["http://127.0.0.1:0"], TestContext.Current.CancellationToken);
        int blockPort = new Uri(blockPage.Addresses[0]).Port;
        await using Chromium browser = await Chromium.StartAsync($"MAP telegram.org 127.0.0.1:{blockPort.ToString(CultureInfo.InvariantCulture)}");

        string[] pages = ["", "orders", "orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", "authorities/rkn", "search?q=telegram.org", "search", "verify", "operators",
            "operators/isp-1", "mirrors", "orders/rkn/NOPE"];
        var failures = new List<string>();
        foreach (string lang in (string[])["en", "ru", "zh"])
        {
            foreach (string page in pages)
            {
                string url = f.BaseAddress.AbsoluteUri + page + (page.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + lang;
                await browser.NavigateAsync(url);
                failures.AddRange((await SeriousViolationsAsync(browser)).Select(v => $"{url}: {v}"));
            }

            await browser.NavigateAsync($"http://telegram.org/?lang={lang}");
            failures.AddRange((await SeriousViolationsAsync(browser)).Select(v => $"block page ({lang}): {v}"));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // The check can fail: an image without a text alternative on the same page is reported.
        await browser.NavigateAsync(f.BaseAddress.AbsoluteUri);
        await browser.EvaluateAsync("(() => { const i = document.createElement('img'); i.src = '/nothing.png'; document.querySelector('main').appendChild(i); return true; })()");
        Assert.Contains(await SeriousViolationsAsync(browser), v => v.StartsWith("image-alt (critical)", StringComparison.Ordinal));
    }
}
