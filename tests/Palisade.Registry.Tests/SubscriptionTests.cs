using System.Net;
using System.Text;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>The enforcement points' subscription against the real registry, with a man in the middle: every tampered
/// file is refused, the last good version stays enforced (fail-static), and honest updates go through again.</summary>
public abstract class SubscriptionTests(RegistryStoreKind store) : StoreTests(store)
{
    private async Task<(RegistryFixture Registry, NoteSigner LogKey)> TwoVersionsAsync()
    {
        RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("R-1", "telegram.org", "149.154.160.0/20"))).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        return (f, NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(Path.Combine(f.Directory, "log.key"), TestContext.Current.CancellationToken)));
    }

    private static async Task PublishSecondAsync(RegistryFixture f)
    {
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("PS-1", "https://example.org/film/", "film.example"))).StatusCode);
        Assert.Equal(2UL, f.Host.Registry.Versions.PublishVersion()!.Version);
    }

    private static PolicySubscription Subscribe(RegistryFixture f, TamperingHandler handler, int maxDeltaChain = 64, string? cache = null) =>
        new(new HttpClient(handler), f.BaseAddress, NoteVerifier.Parse(f.Host.Registry.Log.VerifierKey)) { MaxDeltaChain = maxDeltaChain, CacheDirectory = cache };

    [Fact]
    public async Task Subscription_FollowsVersionsByBundleThenDeltas()
    {
        (RegistryFixture f, NoteSigner key) = await TwoVersionsAsync();
        await using RegistryFixture registry = f;
        using NoteSigner logKey = key;
        var handler = new TamperingHandler();
        PolicySubscription subscription = Subscribe(f, handler);
        CompiledPolicy? swapped = null;
        subscription.Swapped += policy => swapped = policy;

        Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1UL, subscription.Current.Version);
        Assert.True(subscription.Current.TryMatchName("telegram.org", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _, out PolicyOrder? order));
        Assert.Equal("rkn/R-1", order!.Reference);
        Assert.Null(subscription.Current.Changed);
        Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));

        // A long poll returns as soon as the registry publishes.
        Task<bool> waiting = subscription.UpdateAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await PublishSecondAsync(f);
        Assert.True(await waiting);
        Assert.Same(subscription.Current, swapped);
        Assert.Equal(2UL, subscription.Current.Version);
        Assert.Equal(await f.Http.GetByteArrayAsync("/v1/bundles/2", TestContext.Current.CancellationToken), subscription.Current.Bundle.ToBytes());
        Assert.Equal(0, subscription.Failures);

        // Reached by a delta, the version names the targets the delta touched, for those that keep their own view of it.
        PolicyDelta delta = PolicyDelta.Parse(await f.Http.GetByteArrayAsync("/v1/deltas/2", TestContext.Current.CancellationToken));
        Assert.NotNull(subscription.Current.Changed);
        Assert.Equal(1UL, subscription.Current.Changed!.FromVersion);
        Assert.Equal(delta.Removed.Concat(delta.Added).Select(e => e.Target).Distinct().Order(StringComparer.Ordinal), subscription.Current.Changed.Targets);
        Assert.NotEmpty(subscription.Current.Changed.Targets);
    }

    public static TheoryData<string, string, string> Tampering => new()
    {
        // case, the path the attacker rewrites, what the refusal says
        { "bad delta signature", "/v1/deltas/2.sig", "does not verify" },
        { "bad bundle signature", "/v1/bundles/2.sig", "does not verify" },
        { "modified delta entry", "/v1/deltas/2", "not these bytes" },
        { "modified bundle entry", "/v1/bundles/2", "not these bytes" },
        { "truncated bundle", "/v1/bundles/2", "not these bytes" },
        { "truncated bundle, re-signed", "/v1/bundles/2", "malformed" },
        { "delta re-signed with a changed entry", "/v1/deltas/2", "not the" },
        { "log root not consistent, re-signed", "/v1/bundles/2", "not consistent" },
        { "version going backwards", "/v1/bundles/latest", "never go backwards" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Subscription_TamperedUpdate_IsRefusedAndTheLastGoodVersionStays(string tampering, string path, string expected)
    {
        (RegistryFixture f, NoteSigner key) = await TwoVersionsAsync();
        await using RegistryFixture registry = f;
        using NoteSigner logKey = key;
        var handler = new TamperingHandler();
        bool viaBundle = path.StartsWith("/v1/bundles/", StringComparison.Ordinal) && tampering != "version going backwards";
        PolicySubscription subscription = Subscribe(f, handler, maxDeltaChain: viaBundle ? 0 : 64);
        Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        await PublishSecondAsync(f);
        if (tampering == "version going backwards")
        {
            Assert.True(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        }

        CompiledPolicy good = subscription.Current;
        string Resign(string kind, ulong version, byte[] bytes) => BundleSignature.Sign(key, kind, version, bytes);
        switch (tampering)
        {
            case "bad delta signature" or "bad bundle signature":
                handler.Bodies[path] = body => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("— ", "— x", StringComparison.Ordinal));
                break;
            case "modified delta entry" or "modified bundle entry":
                handler.Bodies[path] = body => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("film.example", "flim.example", StringComparison.Ordinal));
                break;
            case "truncated bundle":
                handler.Bodies[path] = body => body[..(body.Length - 7)];
                break;
            case "truncated bundle, re-signed":
                byte[] truncated = (await f.Http.GetByteArrayAsync(path, TestContext.Current.CancellationToken))[..^7];
                handler.Bodies[path] = _ => truncated;
                handler.Bodies[path + ".sig"] = _ => Encoding.UTF8.GetBytes(Resign("bundle", 2, truncated));
                break;
            case "delta re-signed with a changed entry":
                byte[] delta = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(await f.Http.GetByteArrayAsync(path, TestContext.Current.CancellationToken)).Replace("film.example", "flim.example", StringComparison.Ordinal));
                handler.Bodies[path] = _ => delta;
                handler.Bodies[path + ".sig"] = _ => Encoding.UTF8.GetBytes(Resign("delta", 2, delta));
                break;
            case "log root not consistent, re-signed":
                PolicyBundle honest = PolicyBundle.Parse(await f.Http.GetByteArrayAsync(path, TestContext.Current.CancellationToken));
                byte[] forged = new PolicyBundle(honest.Registry, 2, honest.LogSize, System.Security.Cryptography.SHA256.HashData("a forked history"u8), honest.LogTimeMs, honest.Entries).ToBytes();
                handler.Bodies[path] = _ => forged;
                handler.Bodies[path + ".sig"] = _ => Encoding.UTF8.GetBytes(Resign("bundle", 2, forged));
                break;
            case "version going backwards":
                handler.Redirects[path] = "/v1/bundles/1";
                break;
        }

        Assert.False(await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Same(good, subscription.Current);
        Assert.Equal(1, subscription.Failures);
        Assert.Contains(expected, subscription.LastFailure, StringComparison.Ordinal);

        // Without the attacker, the honest version goes through.
        handler.Bodies.Clear();
        handler.Redirects.Clear();
        Assert.Equal(tampering != "version going backwards", await subscription.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(2UL, subscription.Current.Version);
        Assert.Null(subscription.LastFailure);
    }

    [Fact]
    public async Task Subscription_Cache_EnforcesTheLastGoodVersionAfterARestartWhileTheRegistryIsDown()
    {
        (RegistryFixture f, NoteSigner key) = await TwoVersionsAsync();
        await using RegistryFixture registry = f;
        using NoteSigner logKey = key;
        string cache = Path.Combine(f.Directory, "dns-cache");
        PolicySubscription first = Subscribe(f, new TamperingHandler(), cache: cache);
        Assert.True(await first.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        await f.StopAsync();

        PolicySubscription restarted = Subscribe(f, new TamperingHandler(), cache: cache);
        Assert.True(restarted.LoadCache());
        Assert.Equal(1UL, restarted.Current.Version);
        Assert.False(await restarted.UpdateAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1UL, restarted.Current.Version);
        Assert.Equal(1, restarted.Failures);

        // A cache file changed on disk is not trusted.
        string bundle = Path.Combine(cache, "policy.bundle");
        await File.WriteAllTextAsync(bundle, (await File.ReadAllTextAsync(bundle, TestContext.Current.CancellationToken)).Replace("telegram.org", "telegrem.org", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        Assert.False(Subscribe(f, new TamperingHandler(), cache: cache).LoadCache());
    }
}

/// <summary>SubscriptionTests on SQLite.</summary>
public sealed class SubscriptionTestsOnSqlite() : SubscriptionTests(RegistryStoreKind.Sqlite);

/// <summary>SubscriptionTests on PostgreSQL.</summary>
public sealed class SubscriptionTestsOnPostgres() : SubscriptionTests(RegistryStoreKind.Postgres);
