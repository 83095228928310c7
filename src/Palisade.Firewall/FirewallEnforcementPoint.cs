using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Core;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Firewall;

/// <summary>
/// A firewall enforcement point: follows a registry through the verified subscription (fail-static: a version that
/// does not verify, or a registry out of reach, leaves the sets as they are) and keeps two nftables interval sets equal
/// to the address prefixes in force, one atomic <c>nft -f</c> transaction per change. It acknowledges each version once
/// the kernel holds it. What <c>palisade firewall</c> runs.
/// </summary>
public sealed partial class FirewallEnforcementPoint : IAsyncDisposable
{
    /// <summary>Longest wait between two checks of the time-bound orders (an order that takes effect or expires between
    /// versions changes the sets without a new version).</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(60);

    private readonly PolicyFollower _follower;
    private readonly NftablesSets _sets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TimeSpan _retry;
    private Task _apply = Task.CompletedTask;
    private long _appliedVersion;
    private long _ackedVersion;
    private long _applies;
    private long _failures;
    private int _v4Elements;
    private int _v6Elements;
    private string? _lastError;

    private FirewallEnforcementPoint(PolicyFollower follower, NftablesSets sets, TimeProvider time, ILogger logger, TimeSpan retry)
    {
        _follower = follower;
        _sets = sets;
        _time = time;
        _logger = logger;
        _retry = retry;
    }

    /// <summary>The registry subscription.</summary>
    public PolicySubscription Subscription => _follower.Subscription;

    /// <summary>The sets kept.</summary>
    public NftablesSets Sets => _sets;

    /// <summary>What acknowledges the versions applied; null without a point key.</summary>
    public PointAcknowledger? Acknowledger => _follower.Acknowledger;

    /// <summary>The version the kernel's sets hold (0: none applied yet).</summary>
    public ulong AppliedVersion => (ulong)Interlocked.Read(ref _appliedVersion);

    /// <summary>Transactions committed.</summary>
    public long Applies => Interlocked.Read(ref _applies);

    /// <summary>Transactions nft refused or that could not run (each retried).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Why the last transaction failed; null after a success.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Raised after each committed transaction, with the version applied.</summary>
    public event Action<ulong>? Applied;

    /// <summary>Creates the table and its sets when missing (so the operator's rules that use them load), applies the
    /// cached version if there is one, and follows the registry.</summary>
    /// <param name="registry">The registry's base URL.</param>
    /// <param name="key">The registry's pinned log key.</param>
    /// <param name="sets">The sets to keep.</param>
    /// <param name="cacheDirectory">Where the last verified bundle is kept across restarts (null: nowhere).</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="witnesses">Witnesses whose cosignatures must cover a version before it is enforced (null: none).</param>
    /// <param name="pointKey">The enforcement point's key; with it, each version applied is acknowledged (null: none).</param>
    /// <param name="retry">How long to wait before retrying a failed transaction or acknowledgement (default 5 s).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="NftablesException">nft cannot create the table (missing, not permitted, or a conflicting table).</exception>
    public static async Task<FirewallEnforcementPoint> StartAsync(Uri registry, NoteVerifier key, NftablesSets sets, string? cacheDirectory = null, ILoggerFactory? loggerFactory = null,
        TimeProvider? time = null, WitnessPolicy? witnesses = null, NoteSigner? pointKey = null, TimeSpan? retry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sets);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var follower = new PolicyFollower(registry, key, cacheDirectory, loggerFactory, time, witnesses, pointKey);
        try
        {
            // Only declarations: an existing table keeps its elements until a verified version replaces them.
            await sets.RunAsync(sets.DeclarationScript(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await follower.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var point = new FirewallEnforcementPoint(follower, sets, time, loggerFactory.CreateLogger<FirewallEnforcementPoint>(), retry ?? TimeSpan.FromSeconds(5));
        follower.Subscription.Swapped += _ => point.Wake();
        follower.Subscription.LoadCache();
        point._apply = Task.Run(() => point.ApplyLoopAsync(follower.Stopping));
        follower.Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));
        return point;
    }

    /// <summary>The prefixes of <paramref name="policy"/> in force at <paramref name="unixMilliseconds"/>, and when that
    /// next changes (an order taking effect or expiring; null: never).</summary>
    public static (List<IpPrefix> Prefixes, long? NextChangeMs) PrefixesInForce(CompiledPolicy policy, long unixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var prefixes = new List<IpPrefix>();
        long? next = null;
        foreach (BundleEntry entry in policy.Bundle.Entries)
        {
            if (OrderTarget.KindOfCanonical(entry.Target) != TargetKind.Prefix)
            {
                continue;
            }

            IpPrefix prefix = IpPrefix.Parse(entry.Target);

            PolicyOrder order = entry.Order;
            if (order.IsActiveAt(unixMilliseconds))
            {
                prefixes.Add(prefix);
            }

            if (order.NextChangeAfter(unixMilliseconds) is { } at && (next is null || at < next))
            {
                next = at;
            }
        }

        return (prefixes, next);
    }

    /// <summary>Writes the Prometheus metrics of the sets and the subscription.</summary>
    public void WriteMetrics(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CompiledPolicy current = Subscription.Current;
        long last = Subscription.LastSuccessMs;
        double age = last == 0 ? -1 : (_time.GetUtcNow().ToUnixTimeMilliseconds() - last) / 1000.0;
        Metric(writer, "palisade_policy_version", "gauge", "The registry version verified (the sets may still be on an older one).", current.Version);
        Metric(writer, "palisade_policy_age_seconds", "gauge", "Seconds since the registry was last checked successfully (-1: never).", age);
        Metric(writer, "palisade_policy_updates_total", "counter", "Versions verified and swapped in.", Subscription.Updates);
        Metric(writer, "palisade_policy_verification_failures_total", "counter", "Updates refused: a file did not verify or arrive; the last good version stays.", Subscription.Failures);
        Metric(writer, "palisade_firewall_version", "gauge", "The registry version the kernel's sets hold.", AppliedVersion);
        writer.Write("# HELP palisade_firewall_elements Intervals in each set.\n# TYPE palisade_firewall_elements gauge\n");
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_firewall_elements{{set=\"{NftablesSets.IPv4Set}\"}} {Volatile.Read(ref _v4Elements)}\n"));
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_firewall_elements{{set=\"{NftablesSets.IPv6Set}\"}} {Volatile.Read(ref _v6Elements)}\n"));
        Metric(writer, "palisade_firewall_transactions_total", "counter", "nft transactions committed.", Applies);
        Metric(writer, "palisade_firewall_transaction_failures_total", "counter", "nft transactions refused or not run (retried; the sets keep what they held).", Failures);
        Metric(writer, "palisade_firewall_acknowledged_version", "gauge", "The last version the registry recorded this point's acknowledgement of (0: none).", Interlocked.Read(ref _ackedVersion));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _follower.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _apply.WaitAsync(NftablesSets.NftTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken; the loop reads the newest version when it runs.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ApplyLoopAsync(CancellationToken stopping)
    {
        HashSet<IpPrefix>? applied = null;
        while (!stopping.IsCancellationRequested)
        {
            CompiledPolicy policy = Subscription.Current;
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            TimeSpan wait = MaxIdle;
            if (policy.Version > 0)
            {
                (List<IpPrefix> prefixes, long? next) = PrefixesInForce(policy, now);
                if (next is { } at)
                {
                    wait = TimeSpan.FromMilliseconds(Math.Clamp(at - now, 1, (long)MaxIdle.TotalMilliseconds));
                }

                if (policy.Version != AppliedVersion || applied is null || !applied.SetEquals(prefixes))
                {
                    if (await TryApplyAsync(policy, prefixes, stopping).ConfigureAwait(false))
                    {
                        applied = [.. prefixes];
                    }
                    else
                    {
                        wait = _retry;
                    }
                }

                if (Acknowledger is { } acknowledger && AppliedVersion > (ulong)Interlocked.Read(ref _ackedVersion) && policy.Version == AppliedVersion)
                {
                    if (await acknowledger.AcknowledgeAsync(policy.Bundle, stopping).ConfigureAwait(false))
                    {
                        Interlocked.Exchange(ref _ackedVersion, (long)policy.Version);
                    }
                    else
                    {
                        wait = _retry;
                    }
                }
            }

            // Until a new version is swapped in, an order takes effect or expires, or a retry is due.
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Task woken = _wake.WaitAsync(waiting.Token);
            await Task.WhenAny(woken, Task.Delay(wait, _time, waiting.Token)).ConfigureAwait(false);
            await waiting.CancelAsync().ConfigureAwait(false);
            try
            {
                await woken.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Woken by the clock, or stopping (the loop's condition ends it).
            }
        }
    }

    private async Task<bool> TryApplyAsync(CompiledPolicy policy, List<IpPrefix> prefixes, CancellationToken stopping)
    {
        var v4 = AddressIntervals.Join(prefixes, isIPv6: false);
        var v6 = AddressIntervals.Join(prefixes, isIPv6: true);
        string script = _sets.ReplaceScript(v4, v6, string.Create(CultureInfo.InvariantCulture, $"palisade firewall: {policy.Bundle.Registry} version {policy.Version}, {prefixes.Count} prefixes in force"));
        try
        {
            await _sets.RunAsync(script, stopping).ConfigureAwait(false);
        }
        catch (NftablesException e)
        {
            Interlocked.Increment(ref _failures);
            Volatile.Write(ref _lastError, e.Message);
            LogFailed(_logger, policy.Version, e.Message);
            return false;
        }

        Volatile.Write(ref _v4Elements, v4.Intervals.Count);
        Volatile.Write(ref _v6Elements, v6.Intervals.Count);
        Volatile.Write(ref _lastError, null);
        Interlocked.Increment(ref _applies);
        Interlocked.Exchange(ref _appliedVersion, (long)policy.Version);
        LogApplied(_logger, policy.Version, v4.Intervals.Count, v6.Intervals.Count);
        Applied?.Invoke(policy.Version);
        return true;
    }

    private static void Metric(TextWriter writer, string name, string type, string help, double value) =>
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n"));

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Firewall sets hold version {Version}: {V4} IPv4 and {V6} IPv6 intervals")]
    private static partial void LogApplied(ILogger logger, ulong version, int v4, int v6);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Error, Message = "Firewall sets not updated to version {Version} (they keep what they held; retrying): {Reason}")]
    private static partial void LogFailed(ILogger logger, ulong version, string reason);
}
