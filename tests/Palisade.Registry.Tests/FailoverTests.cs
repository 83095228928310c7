using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Palisade.Policy;

namespace Palisade.Registry.Tests;

/// <summary>Two <c>palisade serve</c> processes over one PostgreSQL database; the publishing one is killed with SIGKILL
/// while orders are appended through both, and the other takes over publication.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PublisherKilledDuringAppends_TheOtherNodePublishesTheNextVersion_NothingAcknowledgedIsLost()
    {
        using TestDatabase database = TestDatabase.Create();
        string[] store = ["--database", database.ConnectionString];
        string first = Path.Combine(Path.GetTempPath(), "palisade-failover-" + Guid.NewGuid().ToString("N"));
        string second = first + "-b";
        Process? one = null, two = null;
        try
        {
            (one, Uri uriOne, string? admin) = await CrashTests.StartServerAsync(first, store);
            using var httpOne = new HttpClient { BaseAddress = uriOne };
            string key = await CrashTests.SetupAsync(httpOne, admin!);
            Directory.CreateDirectory(second);
            File.Copy(Path.Combine(first, "log.key"), Path.Combine(second, "log.key"));
            (two, Uri uriTwo, _) = await CrashTests.StartServerAsync(second, store);
            using var httpTwo = new HttpClient { BaseAddress = uriTwo };

            // The first node took the publisher claim: its versions reach the second.
            var acknowledged = new List<string>();
            for (int i = 0; i < 6; i++)
            {
                Assert.True(await IssueAsync(i % 2 == 0 ? httpOne : httpTwo, key, $"B-{i}"), $"order B-{i}");
                acknowledged.Add($"B-{i}");
            }

            ulong before = await LatestVersionAsync(httpTwo, 0);
            Assert.True(before > 0, "the first node published a version");

            // Appends through both; the publisher dies under them.
            using var killed = new CancellationTokenSource();
            Task kill = Task.Run(async () =>
            {
                await Task.Delay(400, CancellationToken.None);
                one.Kill(entireProcessTree: true);
                await killed.CancelAsync();
            }, TestContext.Current.CancellationToken);
            int sent = 0;
            while (!killed.IsCancellationRequested)
            {
                string decision = $"K-{sent}";
                if (await IssueAsync(sent++ % 2 == 0 ? httpOne : httpTwo, key, decision))
                {
                    acknowledged.Add(decision);
                }
            }

            await kill;
            await one.WaitForExitAsync(TestContext.Current.CancellationToken);
            for (int i = 0; i < 3; i++)
            {
                Assert.True(await IssueAsync(httpTwo, key, $"A-{i}"), $"order A-{i} after the kill");
                acknowledged.Add($"A-{i}");
            }

            // The second node takes the claim and publishes a version covering the orders issued after the kill.
            var clock = Stopwatch.StartNew();
            PolicyBundle? bundle = null;
            while (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                ulong latest = await LatestVersionAsync(httpTwo, before);
                bundle = PolicyBundle.Parse(await httpTwo.GetByteArrayAsync($"/v1/bundles/{latest}", TestContext.Current.CancellationToken));
                if (bundle.Entries.Any(e => e.Target == "a-2.failover.example"))
                {
                    break;
                }
            }

            output.WriteLine($"{acknowledged.Count} orders acknowledged; version {bundle!.Version} published by the second node {clock.ElapsedMilliseconds} ms after the last order");
            Assert.Contains(bundle.Entries, e => e.Target == "a-2.failover.example");
            foreach (string decision in acknowledged)
            {
                using HttpResponseMessage response = await httpTwo.GetAsync("/v1/orders/rkn/" + decision, TestContext.Current.CancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged order rkn/{decision} is missing");
                Assert.Contains(bundle.Entries, e => e.Target == decision.ToLowerInvariant() + ".failover.example");
            }

            (int exit, _, string stderr) = LogAuditTests.Cli("verify", "--log", uriTwo + "log/", "--state", Path.Combine(second, "verify.state"));
            Assert.True(exit == 0, stderr);
            (exit, _, stderr) = LogAuditTests.Cli("bundle", "rebuild", "--log", uriTwo + "log/", "--version", bundle.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(exit == 0, stderr);
        }
        finally
        {
            foreach (Process? process in new[] { one, two })
            {
                if (process is not null && !process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }

                process?.Dispose();
            }

            foreach (string directory in new[] { first, second })
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    private static async Task<bool> IssueAsync(HttpClient http, string key, string decision)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders")
            {
                Content = new StringContent(RegistryFixture.Order(decision, decision.ToLowerInvariant() + ".failover.example").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using HttpResponseMessage response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode == HttpStatusCode.Created;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The latest version after <paramref name="after"/>, waiting for one up to 10 s (the long poll).</summary>
    private static async Task<ulong> LatestVersionAsync(HttpClient http, ulong after)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/bundles/latest?after={after}&wait=10");
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = http.BaseAddress };
        using HttpResponseMessage response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode == HttpStatusCode.Found
            ? ulong.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture)
            : after;
    }
}
