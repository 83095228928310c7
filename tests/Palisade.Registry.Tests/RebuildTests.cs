using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;

namespace Palisade.Registry.Tests;

/// <summary>
/// Old versions asked for anonymously (<c>GET /v1/bundles/N</c>, deltas, delisting feeds): rebuilt from order book
/// snapshots in time proportional to the log since the snapshot, off the request threads and in turns, into a cache
/// of bounded size.
/// </summary>
public sealed class RebuildTests
{
    private const int Every = 4;

    private static async Task<RegistryFixture> PublishAsync(int versions, long cacheBytes)
    {
        RegistryFixture f = await RegistryFixture.StartAsync(o =>
        {
            o.PublishDelay = TimeSpan.FromSeconds(60);
            o.FullBundleEvery = Every;
            o.RebuildCacheBytes = cacheBytes;
        });
        for (int v = 1; v <= versions; v++)
        {
            // Each version adds an order; every third amends an earlier one, so later versions depend on the whole past.
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
                RegistryFixture.Order($"B-{v}", $"v{v}.example", $"10.{v}.0.0/16", $"https://v{v}.example/page"))).StatusCode);
            if (v % 3 == 0)
            {
                Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, $"/v1/orders/rkn/B-{v - 2}/amend", f.RknKey,
                    new JsonObject { ["add"] = new JsonArray($"extra{v}.example"), ["remove"] = new JsonArray($"v{v - 2}.example") })).StatusCode);
            }

            Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        }

        return f;
    }

    private static async Task<byte[]> GetAsync(RegistryFixture f, string path)
    {
        using HttpResponseMessage response = await f.Http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OldBundles_AreRebuiltAsPublished_IntoACacheThatStaysWithinItsBudget()
    {
        const long Budget = 24 * 1024;
        await using RegistryFixture f = await PublishAsync(22, Budget);
        RegistryVersions versions = f.Host.Registry.Versions;
        string cache = versions.Cache.Directory;
        for (int round = 0; round < 2; round++)
        {
            for (ulong v = 21; v >= 1; v--)
            {
                byte[] bundle = await GetAsync(f, $"/v1/bundles/{v}");
                Assert.Equal(versions.GetVersion(v)!.BundleSha256, SHA256.HashData(bundle));
                Assert.Equal(versions.GetVersion(v)!.DeltaSha256, SHA256.HashData(await GetAsync(f, $"/v1/deltas/{v}")));
                Assert.NotEmpty(await GetAsync(f, $"/v1/bundles/{v}.sig"));
                long held = new DirectoryInfo(cache).EnumerateFiles().Sum(file => file.Length);
                Assert.True(held <= Budget, $"the rebuild cache holds {held} bytes after version {v}, over its budget of {Budget}");
            }
        }

        // Retention files stay where publication put them; nothing else was added there.
        Assert.Equal(["1.bundle", "12.bundle", "16.bundle", "20.bundle", "4.bundle", "8.bundle"],
            Directory.EnumerateFiles(versions.BundleDirectory, "*.bundle").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Rebuild_ResumesFromTheSnapshotAtTheLastRetentionPoint_ReplayingOnlyTheLogSince()
    {
        await using RegistryFixture f = await PublishAsync(22, 16 * 1024 * 1024);
        RegistryVersions versions = f.Host.Registry.Versions;

        // The first rebuild of version 19 replays the log from the start and leaves the snapshot at version 16.
        byte[] first = await GetAsync(f, "/v1/bundles/19");
        long fromStart = versions.EntriesReplayed;
        Assert.True(fromStart >= (long)versions.GetVersion(19)!.LogSize, $"{fromStart} entries replayed");
        Assert.True(File.Exists(versions.Cache.PathOf(RebuildCache.SnapshotName(16))));

        // Version 18 resumes at version 16: it reads the log from there, not from the start.
        byte[] eighteen = await GetAsync(f, "/v1/bundles/18");
        Assert.Equal(versions.GetVersion(18)!.BundleSha256, SHA256.HashData(eighteen));
        long resumed = versions.EntriesReplayed - fromStart;
        long since = (long)(versions.GetVersion(18)!.LogSize - versions.GetVersion(16)!.LogSize) + 2;
        Assert.True(resumed <= since, $"version 18 replayed {resumed} entries; the log since version 16 holds {since}");
        Assert.Equal(versions.GetVersion(19)!.BundleSha256, SHA256.HashData(first));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("drop-order")]
    public async Task DamagedSnapshot_IsDropped_AndTheVersionStillComesOutAsPublished(string damage)
    {
        await using RegistryFixture f = await PublishAsync(22, 16 * 1024 * 1024);
        RegistryVersions versions = f.Host.Registry.Versions;
        await GetAsync(f, "/v1/bundles/19");
        string snapshot = versions.Cache.PathOf(RebuildCache.SnapshotName(16));
        string[] lines = await File.ReadAllLinesAsync(snapshot, TestContext.Current.CancellationToken);
        await File.WriteAllLinesAsync(snapshot, damage == "garbage" ? ["not a snapshot"]
            : lines.Where(l => !l.StartsWith("order\trkn/B-10\t", StringComparison.Ordinal) && !l.Contains("rkn/B-10", StringComparison.Ordinal)), TestContext.Current.CancellationToken);

        byte[] bundle = await GetAsync(f, "/v1/bundles/18");
        Assert.Equal(versions.GetVersion(18)!.BundleSha256, SHA256.HashData(bundle));
        Assert.Equal(versions.GetVersion(18)!.DeltaSha256, SHA256.HashData(await GetAsync(f, "/v1/deltas/18")));
    }

    [Fact]
    public async Task RebuildsBeyondTheirTurns_Answer503WithRetryAfter_WhileTheRegistryServesOn()
    {
        await using RegistryFixture f = await PublishAsync(6, 16 * 1024 * 1024);
        Turns turns = f.Host.Registry.Versions.RebuildTurns;

        // Someone holds every running turn and every place in the queue.
        var leases = new List<Task<RateLimitLease>>();
        for (int i = 0; i < RegistryVersions.MaxConcurrentRebuilds + RegistryVersions.MaxQueuedRebuilds; i++)
        {
            leases.Add(turns.TakeAsync(TestContext.Current.CancellationToken));
        }

        using (HttpResponseMessage busy = await f.Http.GetAsync("/v1/bundles/3", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), busy.Headers.RetryAfter!.Delta);
            Assert.Contains("old versions", (await f.JsonAsync(busy))["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // What needs no rebuild is served meanwhile: the checkpoint, the latest bundle, a retention file.
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/log/checkpoint", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/v1/bundles/6", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync("/v1/bundles/4", TestContext.Current.CancellationToken)).StatusCode);

        foreach (Task<RateLimitLease> lease in leases)
        {
            (await lease).Dispose();
        }

        Assert.Equal(f.Host.Registry.Versions.GetVersion(3)!.BundleSha256, SHA256.HashData(await GetAsync(f, "/v1/bundles/3")));
    }

    [Fact]
    public async Task ManyRequestsForOldVersionsAtOnce_ShareRebuilds_AndAllComeOutAsPublished()
    {
        await using RegistryFixture f = await PublishAsync(10, 16 * 1024 * 1024);
        RegistryVersions versions = f.Host.Registry.Versions;
        var requests = new List<Task<(ulong Version, HttpResponseMessage Response)>>();
        for (int i = 0; i < 40; i++)
        {
            ulong v = (ulong)(i % 3) + 5;
            requests.Add(Task.Run(async () => (v, await f.Http.GetAsync($"/v1/bundles/{v}", TestContext.Current.CancellationToken))));
        }

        foreach ((ulong v, HttpResponseMessage response) in await Task.WhenAll(requests))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(versions.GetVersion(v)!.BundleSha256, SHA256.HashData(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));
            }
        }
    }
}
