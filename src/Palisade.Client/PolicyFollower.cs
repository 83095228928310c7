using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Log;
using Palisade.Core;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// What every enforcement point that follows a registry holds: the HTTP client, the verified subscription (with its
/// cache directory and witness policy), the acknowledger when the point has a key, and the task that long-polls the
/// registry. <c>palisade dns</c> and <c>palisade firewall</c> differ only in what they do with each version.
/// </summary>
public sealed class PolicyFollower : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _follow = Task.CompletedTask;

    /// <summary>Creates the subscription to <paramref name="registry"/>; nothing is fetched until <see cref="Start"/>.</summary>
    /// <param name="registry">The registry's base URL.</param>
    /// <param name="key">The registry's pinned log key.</param>
    /// <param name="cacheDirectory">Where the last verified bundle is kept across restarts (null: nowhere).</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="witnesses">Witnesses whose cosignatures must cover a version before it is enforced (null: none).</param>
    /// <param name="pointKey">The enforcement point's key; with it, <see cref="Acknowledger"/> signs acknowledgements.</param>
    /// <param name="feed">The versions followed: the bundles (null) or another feed, such as the delisting feed.</param>
    public PolicyFollower(Uri registry, NoteVerifier key, string? cacheDirectory = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null,
        WitnessPolicy? witnesses = null, NoteSigner? pointKey = null, SubscriptionFeed? feed = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(2) };
        Subscription = new PolicySubscription(Http, registry, key, loggerFactory.CreateLogger<PolicySubscription>(), time) { CacheDirectory = cacheDirectory, Witnesses = witnesses, Feed = feed ?? SubscriptionFeed.Bundles };
        if (pointKey is not null)
        {
            Acknowledger = new PointAcknowledger(Http, registry, pointKey, loggerFactory.CreateLogger<PointAcknowledger>(), time);
        }
    }

    /// <summary>The client the subscription and the acknowledger use.</summary>
    public HttpClient Http { get; }

    /// <summary>The registry subscription.</summary>
    public PolicySubscription Subscription { get; }

    /// <summary>What acknowledges the versions this point enforces; null without a point key.</summary>
    public PointAcknowledger? Acknowledger { get; }

    /// <summary>Cancelled when the follower is disposed.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Acknowledges <paramref name="policy"/> in the background (off the caller's thread); nothing without a key.</summary>
    public void AcknowledgeInBackground(CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (Acknowledger is { } acknowledger && policy.Version > 0)
        {
            _ = Task.Run(() => acknowledger.AcknowledgeAsync(policy.Bundle, _stop.Token));
        }
    }

    /// <summary>Starts following the registry: long polls of <paramref name="wait"/>, a retry after <paramref name="retry"/>
    /// when a check fails (the last good version stays in force).</summary>
    public void Start(TimeSpan wait, TimeSpan retry) =>
        _follow = Task.Run(() => Subscription.RunAsync(wait, retry, _stop.Token));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _follow.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        Http.Dispose();
        _stop.Dispose();
    }
}
