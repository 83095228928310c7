using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Two registry nodes over one PostgreSQL database, each with its own data directory (holding a copy of the
/// log key): writes through either, reads from the other at once, one checkpoint, one publisher.</summary>
public sealed class MultiNodeTests
{
    [Fact]
    public async Task TwoNodes_OrdersThroughBoth_ReadFromTheOtherAtOnce_OneLogOnePublisher()
    {
        await using RegistryFixture a = await RegistryFixture.StartAsync(store: RegistryStoreKind.Postgres);
        string second = Path.Combine(Path.GetTempPath(), "palisade-node-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(second);
        File.Copy(Path.Combine(a.Directory, "log.key"), Path.Combine(second, "log.key"));
        RegistryService registryB = RegistryService.Open(new RegistryOptions { DataDirectory = second, Database = a.Database!.ConnectionString, Origin = "registry.test/log" });
        await using RegistryHost hostB = await RegistryHost.StartAsync(registryB, ["http://127.0.0.1:0"], cancellationToken: TestContext.Current.CancellationToken);
        using var b = new HttpClient { BaseAddress = new Uri(hostB.Addresses[0]) };
        try
        {
            Assert.True(a.Host.Registry.Nodes.IsPublisher ^ registryB.Nodes.IsPublisher, "exactly one node publishes");

            // Orders through both nodes, each read from the other right after it was acknowledged.
            for (int i = 0; i < 6; i++)
            {
                bool throughA = i % 2 == 0;
                JsonObject order = RegistryFixture.Order($"N-{i}", $"n{i}.example");
                using HttpResponseMessage created = throughA
                    ? await a.SendAsync(HttpMethod.Post, "/v1/orders", a.RknKey, order)
                    : await SendAsync(b, "/v1/orders", a.RknKey, order);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                long index = (await a.JsonAsync(created))["logIndex"]!.GetValue<long>();

                HttpClient other = throughA ? b : a.Http;
                JsonObject read = await a.JsonAsync(await other.GetAsync($"/v1/orders/rkn/N-{i}", TestContext.Current.CancellationToken));
                Assert.Equal($"n{i}.example", read["targets"]![0]!["value"]!.GetValue<string>());
                Assert.Equal(index, read["history"]![0]!["logIndex"]!.GetValue<long>());
            }

            // Writes at the same moment through both nodes form one linear log.
            Task<HttpResponseMessage>[] concurrent = [.. Enumerable.Range(0, 40).Select(i => i % 2 == 0
                ? a.SendAsync(HttpMethod.Post, "/v1/orders", a.RknKey, RegistryFixture.Order($"C-{i}", $"c{i}.example"))
                : SendAsync(b, "/v1/orders", a.RknKey, RegistryFixture.Order($"C-{i}", $"c{i}.example")))];
            HttpResponseMessage[] responses = await Task.WhenAll(concurrent);
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
            var indexes = new List<long>();
            foreach (HttpResponseMessage response in responses)
            {
                indexes.Add((await a.JsonAsync(response))["logIndex"]!.GetValue<long>());
                response.Dispose();
            }

            Assert.Equal(indexes.Count, indexes.Distinct().Count());

            // Both serve the same checkpoint, and the log audits through either.
            // (The publisher may append a version between the two reads: read again until the log is quiet.)
            string checkpointA = "", checkpointB = "";
            for (int i = 0; i < 50; i++)
            {
                checkpointA = await a.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
                checkpointB = await b.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
                if (checkpointA.Split('\n')[1] == checkpointB.Split('\n')[1])
                {
                    break;
                }

                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.Equal(checkpointA.Split('\n')[1], checkpointB.Split('\n')[1]);
            foreach (Uri node in new[] { a.BaseAddress, b.BaseAddress! })
            {
                (int exit, _, string stderr) = LogAuditTests.Cli("verify", "--log", node + "log/", "--state", Path.Combine(second, "verify-" + node.Port + ".state"));
                Assert.True(exit == 0, $"{node}: {stderr}");
            }

            // The publisher's versions reach the other node, which serves the same bundle bytes.
            RegistryVersion? latest = null;
            for (int i = 0; i < 100 && (latest = a.Host.Registry.Versions.LatestVersion) is null; i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            // Asked at once, the other node serves it too: it follows the shared store before answering that there is none.
            Assert.NotNull(latest);
            byte[] bundleA = await a.Http.GetByteArrayAsync($"/v1/bundles/{latest.Version}", TestContext.Current.CancellationToken);
            byte[] bundleB = await b.GetByteArrayAsync($"/v1/bundles/{latest.Version}", TestContext.Current.CancellationToken);
            Assert.Equal(bundleA, bundleB);
        }
        finally
        {
            registryB.Dispose();
            Directory.Delete(second, recursive: true);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string key, JsonNode body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
