using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Palisade.Dns.Tests;

/// <summary><c>palisade serve --dns --upstream</c> as users run it: an order issued over HTTP is enforced by the DNS
/// server of the same process within seconds, measured here.</summary>
public sealed partial class ServeEndToEndTests(UpstreamResolver upstream) : IClassFixture<UpstreamResolver>
{
    [Fact]
    public async Task Serve_OrderIssued_IsEnforcedByDnsWithinFiveSeconds()
    {
        string data = Path.Combine(upstream.Directory, "serve-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "palisade.dll"), "serve", "--data", data, "--urls", "http://127.0.0.1:0",
            "--dns", "127.0.0.1:0", "--upstream", "127.0.0.1:" + upstream.Port.ToString(CultureInfo.InvariantCulture), "--rpz-zone", "rpz.palisade" })
        {
            info.ArgumentList.Add(arg);
        }

        using Process serve = Process.Start(info)!;
        try
        {
            string? admin = null, http = null, dns = null;
            using var starting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            starting.CancelAfter(TimeSpan.FromSeconds(60));
            while (admin is null || http is null || dns is null)
            {
                string? line = await serve.StandardOutput.ReadLineAsync(starting.Token);
                if (line is null)
                {
                    break;
                }

                if (AdminKey().Match(line) is { Success: true } key)
                {
                    admin = key.Groups[1].Value;
                }
                else if (RegistryAddress().Match(line) is { Success: true } registry)
                {
                    http = registry.Groups[1].Value;
                }
                else if (DnsAddress().Match(line) is { Success: true } server)
                {
                    dns = server.Groups[1].Value;
                }
            }

            // The process goes on writing its log: keep draining both streams so it never blocks on a full pipe.
            _ = serve.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = serve.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            Assert.True(admin is not null && http is not null && dns is not null, "palisade serve did not print its addresses and admin key");
            using var client = new HttpClient { BaseAddress = new Uri(http) };
            string authorityKey = await SetUpAuthorityAsync(client, admin);
            string dnsPort = dns.Split(':')[1];

            // Before the order the name resolves through the upstream.
            Assert.Contains("192.0.2.10", await DigAsync(dnsPort, "telegram.org"), StringComparison.Ordinal);

            var order = new JsonObject
            {
                ["decision"] = "27-31-2018/Ид4412-18", ["decisionDate"] = "2018-04-13", ["legalBasis"] = "Federal Law 149-FZ", ["category"] = "court-order",
                ["summary"] = "Telegram", ["effective"] = "2018-04-16T00:00:00Z", ["expires"] = null, ["targets"] = new JsonArray("telegram.org", "*.t.me"),
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = JsonContent.Create(order) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", authorityKey);
            var clock = Stopwatch.StartNew();
            Assert.Equal(System.Net.HttpStatusCode.Created, (await client.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);
            string answer;
            do
            {
                answer = await DigAsync(dnsPort, "telegram.org");
            }
            while (!answer.Contains("NXDOMAIN", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(30));
            TimeSpan enforced = clock.Elapsed;
            TestContext.Current.SendDiagnosticMessage($"order enforced by DNS {enforced.TotalMilliseconds:F0} ms after it was issued");
            Assert.Contains("EDE: 16 (Censored): (order rkn/27-31-2018/Ид4412-18 " + http.TrimEnd('/') + "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18)", answer, StringComparison.Ordinal);
            Assert.True(enforced < TimeSpan.FromSeconds(5), $"enforced after {enforced}");

            string metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Contains("palisade_dns_blocked_total{order=\"rkn/27-31-2018/Ид4412-18\"} 1", metrics, StringComparison.Ordinal);
            Assert.Matches(@"palisade_policy_version [1-9]", metrics);
            Assert.Contains("palisade_policy_verification_failures_total 0", metrics, StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task<string> SetUpAuthorityAsync(HttpClient client, string admin)
    {
        using var authority = new HttpRequestMessage(HttpMethod.Post, "/v1/authorities")
        {
            Content = JsonContent.Create(new JsonObject { ["id"] = "rkn", ["name"] = "Roskomnadzor", ["jurisdiction"] = "RU", ["url"] = "https://rkn.example/" }),
        };
        authority.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await client.SendAsync(authority, TestContext.Current.CancellationToken)).StatusCode);
        using var key = new HttpRequestMessage(HttpMethod.Post, "/v1/keys") { Content = JsonContent.Create(new JsonObject { ["role"] = "authority", ["authority"] = "rkn" }) };
        key.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using HttpResponseMessage created = await client.SendAsync(key, TestContext.Current.CancellationToken);
        return (await created.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["key"]!.GetValue<string>();
    }

    private static async Task<string> DigAsync(string port, string name) =>
        (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port, "+tries=1", "+time=2", name, "A")).Output;

    [GeneratedRegex(@"First admin key \(shown once, keep it safe\): (\S+)")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"^Palisade registry listening on (\S+)")]
    private static partial Regex RegistryAddress();

    [GeneratedRegex(@"^Palisade DNS listening on (\S+)")]
    private static partial Regex DnsAddress();
}
