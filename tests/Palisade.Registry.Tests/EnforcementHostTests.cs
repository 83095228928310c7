using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Palisade.Client;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Registry.Tests;

/// <summary>
/// The enforcement-point contract: any class implementing <see cref="IEnforcementPoint"/> runs on an
/// <see cref="EnforcementHost"/> and gets, without a line of its own, the cached version at start (also with the registry
/// out of reach), each version the registry proves, a call when an order takes effect or expires, retries after it
/// fails, and acknowledgements of what it holds.
/// </summary>
public sealed class EnforcementHostTests
{
    [Fact]
    public async Task Host_AnyPoint_GetsVersionsClockRetriesAndAcknowledgements_ThenTheCache()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        f.Time.Advance(DateTimeOffset.UtcNow - f.Time.GetUtcNow()); // the host signs acknowledgements with the real clock
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner pointKey = NoteSigner.Generate("isp-1/test-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "test-1", Key = pointKey.VerifierKey });

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("H-1", "kept.example"))).StatusCode);
        JsonObject expiring = RegistryFixture.Order("H-2", "expiring.example");
        DateTimeOffset expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 4);
        expiring["expires"] = expires.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, expiring)).StatusCode);
        ulong v1 = registry.Versions.PublishVersion()!.Version;

        string cache = Path.Combine(f.Directory, "point-cache");
        var point = new RecordingPoint();
        var settings = new EnforcementSettings(f.BaseAddress, NoteVerifier.Parse(registry.Log.VerifierKey))
        {
            CacheDirectory = cache,
            PointKey = pointKey,
            RetryInterval = TimeSpan.FromMilliseconds(200),
        };
        await using (EnforcementHost host = await EnforcementHost.StartAsync(point, settings, cancel))
        {
            Assert.True(point.Started);

            // A version the registry proves, then its acknowledgement.
            await point.WaitForAsync(c => c.Version == v1 && c.Reason == EnforceReason.Version);
            await f.WaitForAckedVersionAsync("isp-1", "test-1", v1);
            Assert.Equal(v1, host.AcknowledgedVersion);

            // The point said when its expiring order ends; it is called again then, with no new version.
            await point.WaitForAsync(c => c.Version == v1 && c.Reason == EnforceReason.Clock && c.At >= expires);

            // A point that fails keeps what it held and is asked again after the retry interval; only then is the new
            // version acknowledged.
            point.FailNext = 1;
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("H-3", "later.example"))).StatusCode);
            ulong v2 = registry.Versions.PublishVersion()!.Version;
            await point.WaitForAsync(c => c.Version == v2 && c.Reason == EnforceReason.Retry && c.Enforced);
            Assert.Contains(point.Calls, c => c.Version == v2 && c.Reason == EnforceReason.Version && !c.Enforced);
            await f.WaitForAckedVersionAsync("isp-1", "test-1", v2);
            Assert.Equal(v2, host.EnforcedVersion);
        }

        Assert.True(point.Disposed);

        // Restarted with the registry out of reach: the cached version is enforced at once (fail-static).
        var restarted = new RecordingPoint();
        await using (EnforcementHost host = await EnforcementHost.StartAsync(restarted, settings with { Registry = new Uri("http://127.0.0.1:1/"), PointKey = null }, cancel))
        {
            RecordingPoint.Call first = Assert.Single(restarted.Calls);
            Assert.Equal(EnforceReason.Cache, first.Reason);
            Assert.Equal(host.Subscription.Current.Version, first.Version);
            Assert.True(first.Version >= 2);
        }
    }

    [Fact]
    public async Task Host_PointCannotStart_RefusesAndDisposesIt()
    {
        var point = new RecordingPoint { StartFailure = "cannot bind 127.0.0.1:53: address in use" };
        using NoteSigner key = NoteSigner.Generate("registry.test/log");
        EnforcementStartException refused = await Assert.ThrowsAsync<EnforcementStartException>(() =>
            EnforcementHost.StartAsync(point, new EnforcementSettings(new Uri("http://127.0.0.1:1/"), NoteVerifier.Parse(key.VerifierKey)), TestContext.Current.CancellationToken));
        Assert.Equal("cannot bind 127.0.0.1:53: address in use", refused.Message);
        Assert.True(point.Disposed);
        Assert.Empty(point.Calls);
    }

    /// <summary>A point that records every call, and fails when asked to.</summary>
    private sealed class RecordingPoint : IEnforcementPoint
    {
        private readonly Lock _gate = new();
        private readonly List<Call> _calls = [];

        public bool Started { get; private set; }

        public bool Disposed { get; private set; }

        public string? StartFailure { get; init; }

        public int FailNext { get; set; }

        public SubscriptionFeed Feed => SubscriptionFeed.Bundles;

        public IReadOnlyList<Call> Calls
        {
            get
            {
                lock (_gate)
                {
                    return [.. _calls];
                }
            }
        }

        public Task StartAsync(EnforcementHost host, CancellationToken cancellationToken)
        {
            if (StartFailure is not null)
            {
                throw new EnforcementStartException(StartFailure);
            }

            Started = true;
            return Task.CompletedTask;
        }

        public Task<EnforceResult> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken cancellationToken)
        {
            bool enforced = true;
            lock (_gate)
            {
                if (FailNext > 0)
                {
                    FailNext--;
                    enforced = false;
                }

                _calls.Add(new Call(policy.Version, reason, DateTimeOffset.UtcNow, enforced));
            }

            long until = policy.EpochAt(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).UntilMs;
            return Task.FromResult(enforced ? new EnforceResult(true, until == long.MaxValue ? null : until) : EnforceResult.Failed);
        }

        public void WriteMetrics(TextWriter writer) => writer.Write("recording_point_calls " + Calls.Count.ToString(CultureInfo.InvariantCulture) + "\n");

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }

        public async Task WaitForAsync(Func<Call, bool> condition)
        {
            for (int i = 0; i < 200 && !Calls.Any(condition); i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.True(Calls.Any(condition), "calls: " + string.Join(", ", Calls));
        }

        public sealed record Call(ulong Version, EnforceReason Reason, DateTimeOffset At, bool Enforced);
    }
}
