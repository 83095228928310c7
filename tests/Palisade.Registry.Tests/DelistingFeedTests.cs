using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>The delisting feed: each version restricted to URL, name and pattern targets, signed as its own kind, with
/// deltas; a search engine follows it with the verified subscription, refuses a tampered version, and acknowledges.</summary>
public sealed class DelistingFeedTests
{
    private static async Task<RegistryFixture> TwoVersionsAsync()
    {
        RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        f.Time.Advance(DateTimeOffset.UtcNow - f.Time.GetUtcNow()); // the CLI signs acknowledgements with the real clock
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey,
            RegistryFixture.Order("F-1", "https://example.org/page", "https://example.org/dir/", "removed.example", "*.wild.example", "192.0.2.0/24"))).StatusCode);
        Assert.Equal(1UL, f.Host.Registry.Versions.PublishVersion()!.Version);
        return f;
    }

    private static async Task PublishSecondAsync(RegistryFixture f)
    {
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/F-1/amend", f.RknKey,
            new JsonObject { ["add"] = new JsonArray("https://example.org/new"), ["remove"] = new JsonArray("removed.example", "192.0.2.0/24"), ["reason"] = "appeal" })).StatusCode);
        Assert.Equal(2UL, f.Host.Registry.Versions.PublishVersion()!.Version);
    }

    private static PolicySubscription Subscribe(RegistryFixture f, TamperingHandler handler, int maxDeltaChain = 64) =>
        new(new HttpClient(handler), f.BaseAddress, NoteVerifier.Parse(f.Host.Registry.Log.VerifierKey)) { Feed = SubscriptionFeed.Delisting, MaxDeltaChain = maxDeltaChain };

    [Fact]
    public async Task Feed_IsTheVersionsWebTargets_SignedAsDelisting_WithDeltas()
    {
        await using RegistryFixture f = await TwoVersionsAsync();
        CancellationToken cancel = TestContext.Current.CancellationToken;
        var verifier = NoteVerifier.Parse(f.Host.Registry.Log.VerifierKey);
        byte[] feed = await f.Http.GetByteArrayAsync("/v1/delisting/1", cancel);
        PolicyBundle parsed = PolicyBundle.Parse(feed);
        PolicyBundle bundle = PolicyBundle.Parse(await f.Http.GetByteArrayAsync("/v1/bundles/1", cancel));
        Assert.Equal(["*.wild.example", "https://example.org/dir/", "https://example.org/page", "removed.example"], parsed.Entries.Select(e => e.Target).Order(StringComparer.Ordinal));
        Assert.Equal((bundle.Version, bundle.LogSize), (parsed.Version, parsed.LogSize));
        Assert.Equal(bundle.LogRoot, parsed.LogRoot);
        Assert.Equal(DelistingFeed.Of(bundle).ToBytes(), feed);

        string signature = await f.Http.GetStringAsync("/v1/delisting/1.sig", cancel);
        BundleSignature.Verify(verifier, signature, DelistingFeed.FileKind, 1, feed);
        // The kind is signed: a bundle's signature does not pass for the feed, nor the feed's for a bundle.
        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, signature, "bundle", 1, feed));
        Assert.Throws<PolicyVerificationException>(() => BundleSignature.Verify(verifier, signature, DelistingFeed.FileKind, 1, bundle.ToBytes()));

        await PublishSecondAsync(f);
        PolicyDelta delta = PolicyDelta.Parse(await f.Http.GetByteArrayAsync("/v1/delisting/deltas/2", cancel));
        Assert.Equal(["removed.example"], delta.Removed.Select(e => e.Target));
        Assert.Equal(["https://example.org/new"], delta.Added.Select(e => e.Target));
        Assert.Equal(SHA256.HashData(await f.Http.GetByteArrayAsync("/v1/delisting/2", cancel)), delta.BundleSha256);
        BundleSignature.Verify(verifier, await f.Http.GetStringAsync("/v1/delisting/deltas/2.sig", cancel), DelistingFeed.DeltaKind, 2, delta.ToBytes());

        using HttpResponseMessage latest = await f.Http.GetAsync("/v1/delisting/latest", cancel);
        Assert.Equal("/v1/delisting/2", latest.RequestMessage!.RequestUri!.AbsolutePath);
        using HttpResponseMessage missing = await f.Http.GetAsync("/v1/delisting/3", cancel);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("there is no published delisting feed '3'", await missing.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscription_FollowsTheFeedByFileThenDelta()
    {
        await using RegistryFixture f = await TwoVersionsAsync();
        PolicySubscription subscription = Subscribe(f, new TamperingHandler());
        Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1UL, subscription.Current.Version);
        Assert.True(subscription.Current.TryMatchUrl("https://example.org/dir/film", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _, out _));
        Assert.False(subscription.Current.TryMatchAddress([192, 0, 2, 1], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _, out _));

        await PublishSecondAsync(f);
        Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(await f.Http.GetByteArrayAsync("/v1/delisting/2", TestContext.Current.CancellationToken), subscription.Current.Bundle.ToBytes());
        Assert.Equal(0, subscription.Failures);
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "/v1/delisting/2", "not these bytes" },
        { "/v1/delisting/deltas/2", "not these bytes" },
        { "/v1/delisting/2.sig", "does not verify" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Subscription_TamperedFeedVersion_IsRefused_AndTheLastGoodVersionStays(string path, string expected)
    {
        await using RegistryFixture f = await TwoVersionsAsync();
        var handler = new TamperingHandler();

        // A man in the middle changes a URL of version 2 (or breaks its signature). When the path is the whole file's,
        // the subscription fetches whole files (no delta chain).
        PolicySubscription subscription = Subscribe(f, handler, maxDeltaChain: path.Contains("deltas", StringComparison.Ordinal) ? 64 : 0);
        Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        await PublishSecondAsync(f);
        handler.Bodies[path] = body => path.EndsWith(".sig", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("— ", "— x", StringComparison.Ordinal))
            : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("https://example.org/new", "https://example.org/neu", StringComparison.Ordinal));
        Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1UL, subscription.Current.Version);
        Assert.Equal(1, subscription.Failures);
        Assert.Contains(expected, subscription.LastFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelistingProcess_KeepsTheFile_AndAcknowledgesTheFeedItWrote()
    {
        await using RegistryFixture f = await TwoVersionsAsync();
        RegistryService registry = f.Host.Registry;
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "search-1", Name = "A search engine", Kind = "search-engine" });
        using NoteSigner pointKey = NoteSigner.Generate("search-1/index-1");
        registry.Operators.AddPoint("search-1", new Api.AddPointRequest { Id = "index-1", Key = pointKey.VerifierKey });
        string keyFile = Path.Combine(f.Directory, "point-index-1.key");
        await File.WriteAllTextAsync(keyFile, pointKey.ExportPrivateKey() + "\n", TestContext.Current.CancellationToken);
        string output = Path.Combine(f.Directory, "delisted.jsonl");

        await using PalisadeProcess delisting = PalisadeProcess.Start("delisting", "--registry", f.BaseAddress.ToString(), "--key", registry.Log.VerifierKey,
            "--cache", Path.Combine(f.Directory, "delisting-cache"), "--output", output, "--operator-key", keyFile);
        await delisting.WaitForOutputAsync("^Palisade delisting keeping ");
        await WaitForAsync(() => File.Exists(output) && File.ReadAllText(output).Contains("https://example.org/page", StringComparison.Ordinal), delisting);
        string first = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
        Assert.Contains("\"target\":\"removed.example\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.0", first, StringComparison.Ordinal);
        await f.WaitForAckedVersionAsync("search-1", "index-1", 1, () => delisting.Output);

        await PublishSecondAsync(f);
        await WaitForAsync(() => File.ReadAllText(output).Contains("https://example.org/new", StringComparison.Ordinal), delisting);
        Assert.DoesNotContain("removed.example", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await f.WaitForAckedVersionAsync("search-1", "index-1", 2, () => delisting.Output);
        Assert.Equal(0, await delisting.TerminateAsync());
    }

    private static async Task WaitForAsync(Func<bool> condition, PalisadeProcess process)
    {
        for (int i = 0; i < 200; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("palisade delisting did not write what was expected; it wrote:\n" + process.Output);
    }
}
