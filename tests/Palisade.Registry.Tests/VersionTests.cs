using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Palisade.Cli;
using Palisade.Policy;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>Registry versions: published after order changes, served immutable and signed, chained by deltas, logged,
/// rebuilt byte for byte from the public log, and reloaded after a restart.</summary>
public abstract class VersionTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Versions_AfterOrderChanges_AreServedSignedImmutableAndChainedByDeltas()
    {
        await using RegistryFixture f = await StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = f.BaseAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/bundles/latest", TestContext.Current.CancellationToken)).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "telegram.org", "*.t.me", "149.154.160.0/20"))).StatusCode);
        using (HttpResponseMessage latest = await http.GetAsync("/v1/bundles/latest?after=0&wait=30", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Found, latest.StatusCode);
            Assert.Equal("/v1/bundles/1", latest.Headers.Location!.OriginalString);
        }

        NoteVerifier key = NoteVerifier.Parse((await http.GetStringAsync("/log/key", TestContext.Current.CancellationToken)).Trim());
        (PolicyBundle first, byte[] firstBytes) = await FetchVerifiedAsync(http, key, "bundles", 1);

        // Content-addressed: the bundle's SHA-256 leads to it.
        using (HttpResponseMessage byHash = await http.GetAsync($"/v1/bundles/sha256/{Convert.ToHexStringLower(SHA256.HashData(firstBytes))}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Found, byHash.StatusCode);
            Assert.Equal("/v1/bundles/1", byHash.Headers.Location!.OriginalString);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/v1/bundles/sha256/{new string('0', 64)}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(["*.t.me", "149.154.160.0/20", "telegram.org"], first.Entries.Select(e => e.Target));
        Assert.All(first.Entries, e => Assert.Equal("rkn/R-1", e.Order.Reference));
        Assert.Equal(key.Name, first.Registry);
        Assert.Equal(f.Host.Registry.Log.Root(first.LogSize), first.LogRoot);

        using (HttpResponseMessage again = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/bundles/1") { Headers = { { "If-None-Match", $"\"{Convert.ToHexStringLower(SHA256.HashData(firstBytes))}\"" } } }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        }

        // Two changes close together; then version 2's delta leads from bundle 1 exactly to bundle 2.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("PS-1", "https://example.org/film/", "telegram.org"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/R-1/amend", f.RknKey, new JsonObject { ["remove"] = new JsonArray("*.t.me") })).StatusCode);
        ulong latestVersion = 1;
        while (latestVersion < 2 || f.Host.Registry.Versions.LatestVersion!.LogSize < f.Host.Registry.Log.Size - 1)
        {
            using HttpResponseMessage next = await http.GetAsync($"/v1/bundles/latest?after={latestVersion}&wait=30", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Found, next.StatusCode);
            latestVersion = ulong.Parse(next.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        (PolicyBundle last, _) = await FetchVerifiedAsync(http, key, "bundles", latestVersion);
        Assert.Equal(["149.154.160.0/20", "https://example.org/film/", "telegram.org", "telegram.org"], last.Entries.Select(e => e.Target));
        PolicyBundle walked = first;
        for (ulong v = 2; v <= latestVersion; v++)
        {
            (byte[] bytes, string signature) = (await http.GetByteArrayAsync($"/v1/deltas/{v}", TestContext.Current.CancellationToken), await http.GetStringAsync($"/v1/deltas/{v}.sig", TestContext.Current.CancellationToken));
            BundleSignature.Verify(key, signature, "delta", v, bytes);
            walked = PolicyDelta.Parse(bytes).ApplyTo(walked);
        }

        Assert.Equal(last.ToBytes(), walked.ToBytes());

        // Every version is a log event naming its hashes; nothing newer exists; unknown versions are problems.
        List<JsonObject> published = [.. LogEventCodec.Join(Enumerable.Range(0, (int)f.Host.Registry.Log.Size).Select(i => ((ulong)i, f.Host.Registry.Queries.ReadEntries((ulong)i, 1)[0])))
            .Select(e => e.Event).Where(e => e["type"]!.GetValue<string>() == "version.published")];
        Assert.Equal(latestVersion, (ulong)published.Count);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(firstBytes)), published[0]["bundle"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync($"/v1/bundles/latest?after={latestVersion}&wait=0", TestContext.Current.CancellationToken)).StatusCode);
        using HttpResponseMessage missing = await http.GetAsync("/v1/bundles/99", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Rebuild_FromThePublicLog_PrintsTheServedBundleHash()
    {
        // Publication is driven by the test, not the background timer.
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("27-31-2018/Ид4412-18", "telegram.org", "*.t.me"))).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("PS-1", "https://example.org/film/"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18/revoke", f.RknKey)).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        Assert.Null(f.Host.Registry.Versions.PublishVersion());

        foreach (ulong version in new ulong[] { 1, 2 })
        {
            byte[] served = await f.Http.GetByteArrayAsync($"/v1/bundles/{version}", TestContext.Current.CancellationToken);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = PalisadeCli.Run(["bundle", "rebuild", "--log", f.BaseAddress.AbsoluteUri, "--version", version.ToString(System.Globalization.CultureInfo.InvariantCulture)], TextReader.Null, stdout, stderr);
            Assert.True(exit == 0, stderr.ToString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(served)) + Environment.NewLine, stdout.ToString());
        }

        var error = new StringWriter();
        Assert.Equal(2, PalisadeCli.Run(["bundle", "rebuild", "--log", f.BaseAddress.AbsoluteUri, "--version", "9"], TextReader.Null, new StringWriter(), error));
        Assert.Contains("no version 9", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionFilesMissing_AreRebuiltFromTheLog_ByteForByte()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        var files = new Dictionary<string, byte[]>();
        for (int v = 1; v <= 3; v++)
        {
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order($"R-{v}", $"v{v}.example", $"10.{v}.0.0/16"))).StatusCode);
            Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        }

        foreach ((string kind, string route) in new[] { ("bundle", "bundles"), ("delta", "deltas") })
        {
            for (ulong v = 1; v <= 3; v++)
            {
                files[$"{kind}{v}"] = await f.Http.GetByteArrayAsync($"/v1/{route}/{v}", TestContext.Current.CancellationToken);
                string path = f.Host.Registry.Versions.VersionFile(v, kind);
                if (v < 3 && File.Exists(path))
                {
                    File.Delete(path);
                    File.Delete(path + ".sig");
                }
            }
        }

        // Only version 1's full bundle is kept as a file (and every 16th); version 2's is rebuilt, version 3's is latest.
        Assert.False(File.Exists(f.Host.Registry.Versions.VersionFile(3, "bundle")));
        Assert.True(File.Exists(f.Host.Registry.Versions.VersionFile(3, "delta")));

        // A node that lost (or never had) the files of older versions serves them all the same.
        foreach ((string kind, string route) in new[] { ("bundle", "bundles"), ("delta", "deltas") })
        {
            for (ulong v = 1; v <= 3; v++)
            {
                using HttpResponseMessage response = await f.Http.GetAsync($"/v1/{route}/{v}", TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(files[$"{kind}{v}"], await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
                Assert.Equal(HttpStatusCode.OK, (await f.Http.GetAsync($"/v1/{route}/{v}.sig", TestContext.Current.CancellationToken)).StatusCode);
            }
        }
    }

    [Fact]
    public async Task Restart_ReloadsVersionsAndContinuesNumbering()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "a.example"))).StatusCode);
        RegistryVersion first = f.Host.Registry.Versions.PublishVersion()!;
        File.Delete(f.Host.Registry.Versions.VersionFile(1, "bundle"));
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();

        using RegistryService reopened = RegistryService.Open(options);
        Assert.Equal(first.Version, reopened.Versions.LatestVersion!.Version);
        Assert.Equal(first.BundleSha256, SHA256.HashData(File.ReadAllBytes(reopened.Versions.VersionFile(1, "bundle"))));
        Assert.Null(reopened.Versions.PublishVersion());
    }

    [Fact]
    public async Task Publication_OvertakenByAWrite_IsPreparedAgainOutsideTheLock_AndCoversTheWrite()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        Caller rkn = registry.Authorities.Authenticate(f.RknKey)!;
        registry.Orders.IssueOrder(rkn, Request("R-1", "a.example"));
        var attempts = new List<int>();
        registry.Versions.PreparedOutsideLock = attempt =>
        {
            attempts.Add(attempt);
            if (attempt == 0)
            {
                // The writer lock is free while a version is prepared: this write (on the publishing thread itself)
                // does not wait for the publication, and it overtakes the version prepared before it.
                registry.Orders.IssueOrder(rkn, Request("R-2", "b.example"));
            }
        };

        RegistryVersion version = registry.Versions.PublishVersion()!;
        Assert.Equal([0, 1], attempts);
        Assert.Equal(0, registry.Versions.LockedPublications);
        AssertCoversTheLog(registry, version, "a.example", "b.example");
        RegistryOptions options = registry.Options;
        await f.StopAsync();

        // A restart rebuilds the version from the log and refuses to start if it hashes to anything else.
        using RegistryService reopened = RegistryService.Open(options);
        Assert.Equal(version.BundleSha256, reopened.Versions.LatestVersion!.BundleSha256);
    }

    [Fact]
    public async Task Publication_OvertakenEveryTime_IsPreparedUnderTheLock()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        Caller rkn = registry.Authorities.Authenticate(f.RknKey)!;
        registry.Orders.IssueOrder(rkn, Request("R-0", "a0.example"));
        registry.Versions.PreparedOutsideLock = attempt =>
            registry.Orders.IssueOrder(rkn, Request($"R-{attempt + 1}", $"a{attempt + 1}.example"));

        RegistryVersion version = registry.Versions.PublishVersion()!;
        Assert.Equal(1, registry.Versions.LockedPublications);
        string[] targets = [.. Enumerable.Range(0, RegistryVersions.OptimisticAttempts + 1).Select(i => $"a{i}.example")];
        AssertCoversTheLog(registry, version, targets);
        RegistryOptions options = registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(options);
        Assert.Equal(version.BundleSha256, reopened.Versions.LatestVersion!.BundleSha256);
    }

    /// <summary>The version is the one just logged, covers every entry before its own, and holds exactly these targets.</summary>
    private static void AssertCoversTheLog(RegistryService registry, RegistryVersion version, params string[] targets)
    {
        Assert.Equal(registry.Log.Size - 1, version.LogSize);
        Assert.Equal((long)version.LogSize, version.LogIndex);
        PolicyBundle bundle = PolicyBundle.Parse(registry.Versions.CurrentBundle!.Bytes);
        Assert.Equal(version.BundleSha256, SHA256.HashData(registry.Versions.CurrentBundle.Bytes));
        Assert.Equal(targets, bundle.Entries.Select(e => e.Target).Order(StringComparer.Ordinal));
        Assert.Equal(registry.Log.Root(version.LogSize), bundle.LogRoot);
    }

    private static Api.IssueOrderRequest Request(string decision, string target) => new()
    {
        Decision = decision,
        DecisionDate = "2026-01-02",
        LegalBasis = "Art. 1",
        Category = "court-order",
        Summary = "an order",
        Effective = "2026-01-03T00:00:00Z",
        Targets = [target],
    };

    private static async Task<(PolicyBundle Bundle, byte[] Bytes)> FetchVerifiedAsync(HttpClient http, NoteVerifier key, string kind, ulong version)
    {
        using HttpResponseMessage response = await http.GetAsync($"/v1/{kind}/{version}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl!.ToString());
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"", response.Headers.ETag!.ToString());
        BundleSignature.Verify(key, await http.GetStringAsync($"/v1/{kind}/{version}.sig", TestContext.Current.CancellationToken), "bundle", version, bytes);
        return (PolicyBundle.Parse(bytes), bytes);
    }
}

/// <summary>VersionTests on SQLite.</summary>
public sealed class VersionTestsOnSqlite() : VersionTests(RegistryStoreKind.Sqlite);

/// <summary>VersionTests on PostgreSQL.</summary>
public sealed class VersionTestsOnPostgres() : VersionTests(RegistryStoreKind.Postgres);
