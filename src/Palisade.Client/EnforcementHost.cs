using Microsoft.Extensions.Logging;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// Runs an <see cref="IEnforcementPoint"/>: loads the version cached across restarts, starts the point, follows the
/// registry through the verified subscription (signatures, deltas, log consistency, witnesses; fail-static), and asks
/// the point to enforce each version swapped in, each time an order takes effect or expires, and again after a failure.
/// Once the point holds a version, the host acknowledges it to the registry when the point has a key. What
/// <c>palisade dns</c>, <c>palisade firewall</c>, <c>palisade delisting</c> and <c>palisade serve --dns</c> run.
/// </summary>
public sealed partial class EnforcementHost : IAsyncDisposable
{
    /// <summary>Longest wait between two calls of <see cref="IEnforcementPoint.EnforceAsync"/>.</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(60);

    /// <summary>How long stopping waits for a call of the point in progress.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private readonly EnforcementSettings _settings;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ILogger _logger;
    private Task _follow = Task.CompletedTask;
    private Task _enforce = Task.CompletedTask;
    private long _enforcedVersion;
    private long _acknowledgedVersion;

    private EnforcementHost(IEnforcementPoint point, EnforcementSettings settings)
    {
        Point = point;
        _settings = settings;
        _logger = settings.Loggers.CreateLogger<EnforcementHost>();
        _http = RegistryHttp.Create(RegistryHttp.RequestTimeout, followRedirects: false);
        Subscription = new PolicySubscription(_http, settings.Registry, settings.Key, settings.Loggers.CreateLogger<PolicySubscription>(), settings.Time)
        {
            CacheDirectory = settings.CacheDirectory,
            Witnesses = settings.Witnesses,
            Feed = point.Feed,
        };
        if (settings.PointKey is { } key)
        {
            Acknowledger = new PointAcknowledger(_http, settings.Registry, key, settings.Loggers.CreateLogger<PointAcknowledger>(), settings.Time);
        }
    }

    /// <summary>The point run.</summary>
    public IEnforcementPoint Point { get; }

    /// <summary>The verified subscription: the version in force (<see cref="PolicySubscription.Current"/>) and the event
    /// raised as each is swapped in.</summary>
    public PolicySubscription Subscription { get; }

    /// <summary>What acknowledges the versions the point enforces; null without a point key.</summary>
    public PointAcknowledger? Acknowledger { get; }

    /// <summary>The registry followed.</summary>
    public Uri Registry => _settings.Registry;

    /// <summary>The clock.</summary>
    public TimeProvider Time => _settings.Time;

    /// <summary>Logging.</summary>
    public ILoggerFactory Loggers => _settings.Loggers;

    /// <summary>The last version the point reported holding (0: none).</summary>
    public ulong EnforcedVersion => (ulong)Interlocked.Read(ref _enforcedVersion);

    /// <summary>The last version the registry recorded this point's acknowledgement of (0: none).</summary>
    public ulong AcknowledgedVersion => (ulong)Interlocked.Read(ref _acknowledgedVersion);

    /// <summary>Loads the cached version, starts <paramref name="point"/>, enforces the cached version, and follows the
    /// registry. When the start fails, the point is disposed.</summary>
    /// <exception cref="EnforcementStartException">The point cannot run.</exception>
    public static async Task<EnforcementHost> StartAsync(IEnforcementPoint point, EnforcementSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(settings);
        var host = new EnforcementHost(point, settings);
        TimeSpan wait = MaxIdle;
        bool retry = false;
        try
        {
            bool cached = host.Subscription.LoadCache();
            await point.StartAsync(host, cancellationToken).ConfigureAwait(false);

            // Asked for here, once LoadCache has returned (its frames held the cached file's bytes): a point may collect
            // what the load left behind.
            if (cached)
            {
                (wait, retry) = await host.EnforceAsync(host.Subscription.Current, EnforceReason.Cache, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        host.Subscription.Swapped += _ => host.Wake();
        host._enforce = Task.Run(() => host.EnforceLoopAsync(wait, retry, host._stop.Token), CancellationToken.None);
        host._follow = Task.Run(() => host.Subscription.RunAsync(settings.LongPoll, settings.FollowRetry, host._stop.Token), CancellationToken.None);
        return host;
    }

    /// <summary>Writes the point's metrics.</summary>
    public void WriteMetrics(TextWriter writer) => Point.WriteMetrics(writer);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Task task in (Task[])[_follow, _enforce])
        {
            try
            {
                await task.WaitAsync(StopWait).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }
        }

        await Point.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _wake.Dispose();
        _stop.Dispose();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already woken (the loop reads the newest version when it runs), or stopped.
        }
    }

    /// <summary>Asks the point to enforce <paramref name="policy"/> and acknowledges it once held; returns when to ask
    /// again, and whether that is a retry.</summary>
    private async Task<(TimeSpan Wait, bool Retry)> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken stopping)
    {
        EnforceResult result;
        try
        {
            result = await Point.EnforceAsync(policy, reason, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            LogEnforceFailed(_logger, policy.Version, e.Message);
            return (_settings.RetryInterval, true);
        }

        if (!result.Enforced)
        {
            return (_settings.RetryInterval, true);
        }

        Interlocked.Exchange(ref _enforcedVersion, (long)policy.Version);
        if (Acknowledger is { } acknowledger && policy.Version > AcknowledgedVersion)
        {
            if (!await acknowledger.AcknowledgeAsync(policy.Bundle, stopping).ConfigureAwait(false))
            {
                return (_settings.RetryInterval, true);
            }

            Interlocked.Exchange(ref _acknowledgedVersion, (long)policy.Version);
        }

        long now = _settings.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return (result.NextChangeMs is { } at ? TimeSpan.FromMilliseconds(Math.Clamp(at - now, 1, (long)MaxIdle.TotalMilliseconds)) : MaxIdle, false);
    }

    private async Task EnforceLoopAsync(TimeSpan wait, bool retry, CancellationToken stopping)
    {
        ulong asked = Subscription.Current.Version;
        while (true)
        {
            bool swapped = await WaitAsync(wait, stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            CompiledPolicy policy = Subscription.Current;
            if (policy.Version == 0)
            {
                wait = MaxIdle;
                continue;
            }

            EnforceReason reason = swapped || policy.Version != asked ? EnforceReason.Version : retry ? EnforceReason.Retry : EnforceReason.Clock;
            asked = policy.Version;
            (wait, retry) = await EnforceAsync(policy, reason, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a version is swapped in (true), <paramref name="wait"/> has passed, or the host stops.</summary>
    private async Task<bool> WaitAsync(TimeSpan wait, CancellationToken stopping)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Task woken = _wake.WaitAsync(waiting.Token);
        Task first = await Task.WhenAny(woken, Task.Delay(wait, _settings.Time, waiting.Token)).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        try
        {
            await woken.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Woken by the clock, or stopping.
        }

        return first == woken && woken.IsCompletedSuccessfully;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "The enforcement point could not enforce version {Version} (it keeps what it held; retrying): {Reason}")]
    private static partial void LogEnforceFailed(ILogger logger, ulong version, string reason);
}
