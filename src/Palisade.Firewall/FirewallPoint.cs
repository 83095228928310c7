using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Core;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Firewall;

/// <summary>
/// The firewall enforcement point: keeps two nftables interval sets equal to the address prefixes in force, one atomic
/// <c>nft -f</c> transaction per change. Fail-static: a version that does not verify, a registry out of reach or a
/// transaction nft refuses leaves the sets as they are. What <c>palisade firewall</c> runs on an
/// <see cref="EnforcementHost"/>, which acknowledges each version once the kernel holds it.
/// </summary>
/// <param name="sets">The sets to keep.</param>
public sealed partial class FirewallPoint(NftablesSets sets) : IEnforcementPoint
{
    private EnforcementHost? _host;
    private ILogger _logger = NullLogger.Instance;
    private HashSet<IpPrefix>? _applied;
    private long _appliedVersion;
    private long _applies;
    private long _failures;
    private int _v4Elements;
    private int _v6Elements;
    private string? _lastError;

    /// <inheritdoc />
    public SubscriptionFeed Feed => SubscriptionFeed.Bundles;

    /// <summary>The sets kept.</summary>
    public NftablesSets Sets => sets;

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

    /// <summary>Creates the table and its sets when missing, so that the operator's rules that use them load. Only
    /// declarations: an existing table keeps its elements until a verified version replaces them.</summary>
    /// <exception cref="EnforcementStartException">nft cannot create the table (missing, not permitted, or a conflicting table).</exception>
    public async Task StartAsync(EnforcementHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(sets);
        _host = host;
        _logger = host.Loggers.CreateLogger<FirewallPoint>();
        try
        {
            await sets.RunAsync(sets.DeclarationScript(), cancellationToken).ConfigureAwait(false);
        }
        catch (NftablesException e)
        {
            throw new EnforcementStartException($"cannot create table inet {sets.Table}: {e.Message}", e);
        }
    }

    /// <summary>Replaces the sets' elements with the prefixes in force now when they differ from what the sets hold.</summary>
    public async Task<EnforceResult> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        long now = (_host?.Time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        (List<IpPrefix> prefixes, long? next) = PrefixesInForce(policy, now);
        if (policy.Version != AppliedVersion || _applied is null || !_applied.SetEquals(prefixes))
        {
            if (!await TryApplyAsync(policy, prefixes, cancellationToken).ConfigureAwait(false))
            {
                return EnforceResult.Failed;
            }

            _applied = [.. prefixes];
        }

        return new EnforceResult(true, next);
    }

    /// <summary>The prefixes of <paramref name="policy"/> in force at <paramref name="unixMilliseconds"/> (an IPv4 prefix
    /// also in the IPv6 forms packets carry, <see cref="EmbeddedIPv4.OnTheWire"/>), and when that
    /// next changes (an order taking effect or expiring; null: never).</summary>
    public static (List<IpPrefix> Prefixes, long? NextChangeMs) PrefixesInForce(CompiledPolicy policy, long unixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var prefixes = new List<IpPrefix>();
        long? next = null;
        foreach (BundleEntry entry in policy.Bundle.Entries)
        {
            if (entry.Kind != TargetKind.Prefix)
            {
                continue;
            }

            IpPrefix prefix = entry.Prefix;

            PolicyOrder order = entry.Order;
            if (order.IsActiveAt(unixMilliseconds))
            {
                prefixes.Add(prefix);
                // The same IPv4 addresses as packets may carry them in IPv6 (NAT64 well-known prefix, 6to4).
                prefixes.AddRange(EmbeddedIPv4.OnTheWire(prefix));
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
        EnforcementHost host = _host ?? throw new InvalidOperationException("the firewall point has not started");
        PolicySubscription subscription = host.Subscription;
        CompiledPolicy current = subscription.Current;
        long last = subscription.LastSuccessMs;
        double age = last == 0 ? -1 : (host.Time.GetUtcNow().ToUnixTimeMilliseconds() - last) / 1000.0;
        Metric(writer, "palisade_policy_version", "gauge", "The registry version verified (the sets may still be on an older one).", current.Version);
        Metric(writer, "palisade_policy_age_seconds", "gauge", "Seconds since the registry was last checked successfully (-1: never).", age);
        Metric(writer, "palisade_policy_updates_total", "counter", "Versions verified and swapped in.", subscription.Updates);
        Metric(writer, "palisade_policy_verification_failures_total", "counter", "Updates refused: a file did not verify or arrive; the last good version stays.", subscription.Failures);
        Metric(writer, "palisade_firewall_version", "gauge", "The registry version the kernel's sets hold.", AppliedVersion);
        writer.Write("# HELP palisade_firewall_elements Intervals in each set.\n# TYPE palisade_firewall_elements gauge\n");
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_firewall_elements{{set=\"{NftablesSets.IPv4Set}\"}} {Volatile.Read(ref _v4Elements)}\n"));
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_firewall_elements{{set=\"{NftablesSets.IPv6Set}\"}} {Volatile.Read(ref _v6Elements)}\n"));
        Metric(writer, "palisade_firewall_transactions_total", "counter", "nft transactions committed.", Applies);
        Metric(writer, "palisade_firewall_transaction_failures_total", "counter", "nft transactions refused or not run (retried; the sets keep what they held).", Failures);
        Metric(writer, "palisade_firewall_acknowledged_version", "gauge", "The last version the registry recorded this point's acknowledgement of (0: none).", host.AcknowledgedVersion);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<bool> TryApplyAsync(CompiledPolicy policy, List<IpPrefix> prefixes, CancellationToken stopping)
    {
        var v4 = AddressIntervals.Join(prefixes, isIPv6: false);
        var v6 = AddressIntervals.Join(prefixes, isIPv6: true);
        string script = sets.ReplaceScript(v4, v6, string.Create(CultureInfo.InvariantCulture, $"palisade firewall: {policy.Bundle.Registry} version {policy.Version}, {prefixes.Count} prefixes in force"));
        try
        {
            await sets.RunAsync(script, stopping).ConfigureAwait(false);
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
