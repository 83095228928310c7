using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Palisade.Client;
using Palisade.Policy;

namespace Palisade.Dns;

/// <summary>
/// The DNS enforcement point: a <see cref="DnsServer"/> answering from the version in force, which the host's
/// subscription swaps in by one reference per version, and the RPZ zone that follows the same versions. What
/// <c>palisade serve --dns</c> and <c>palisade dns</c> run on an <see cref="EnforcementHost"/>.
/// </summary>
/// <param name="options">The server's settings.</param>
public sealed class DnsPoint(DnsServerOptions options) : IEnforcementPoint
{
    // How long after a first version from the registry is swapped in its load's garbage is collected: long enough for
    // the update's methods, whose frames hold the bundle's bytes, to have returned.
    private static readonly TimeSpan LoadGarbageDelay = TimeSpan.FromMilliseconds(200);

    private EnforcementHost? _host;
    private DnsServer? _server;

    /// <inheritdoc />
    public SubscriptionFeed Feed => SubscriptionFeed.Bundles;

    /// <summary>The DNS server, once started.</summary>
    public DnsServer Server => _server ?? throw new InvalidOperationException("the DNS point has not started");

    /// <summary>Builds the server on the host's subscription and starts it: it answers from the cached version, if any, at once.</summary>
    /// <exception cref="EnforcementStartException">An address cannot be bound.</exception>
    public Task StartAsync(EnforcementHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        PolicySubscription subscription = host.Subscription;
        TimeProvider time = host.Time;
        var server = new DnsServer(options, () => subscription.Current, host.Loggers.CreateLogger<DnsServer>(), time);
        _server = server;

        // The zone follows every version as it is swapped in: its history of changes (IXFR) needs each one.
        bool fromCache = subscription.Current.Version > 0;
        if (server.Rpz is { } zone)
        {
            if (fromCache)
            {
                zone.Update(subscription.Current);
            }

            subscription.Swapped += zone.Update;
        }

        // The policy's current epoch reads every entry once; found when a version is swapped in, the first query after
        // the swap does not.
        subscription.Current.EpochAt(time.GetUtcNow().ToUnixTimeMilliseconds());
        subscription.Swapped += policy => policy.EpochAt(time.GetUtcNow().ToUnixTimeMilliseconds());

        // The first version, from the cache or else from the registry, is loaded while nothing is enforced yet: its load's
        // garbage goes back at once (Settle; from the cache when the host asks to enforce it, once the load has
        // returned). The versions after it replace one enforced policy with another; each swap asks for a background
        // collection of the one it replaced, which keeps RSS near two policies' worth instead of growing with every whole
        // bundle loaded (measured at 1M entries, three whole-bundle swaps: 372, 574, 706 MiB without; 344, 357, 377 MiB
        // with).
        bool first = !fromCache;
        subscription.Swapped += policy =>
        {
            if (first)
            {
                // From the registry the swap is raised deep inside the update's asynchronous methods, whose frames still
                // hold the bundle's bytes; the collection waits until they have returned.
                first = false;
                _ = Task.Delay(LoadGarbageDelay).ContinueWith(_ => Settle(policy), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
            else
            {
                HugePages.Advise(policy);
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
            }
        };

        try
        {
            server.Start();
        }
        catch (SocketException e)
        {
            throw new EnforcementStartException($"cannot serve DNS on {string.Join(' ', options.Listen)}: {e.Message}", e);
        }

        return Task.CompletedTask;
    }

    /// <summary>The server answers from the version the moment it is swapped in: it is enforced already. The cached
    /// version's load is collected here, once the load has returned.</summary>
    public Task<EnforceResult> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken cancellationToken)
    {
        if (reason == EnforceReason.Cache)
        {
            Settle(policy);
        }

        return Task.FromResult(EnforceResult.Done);
    }

    /// <summary>
    /// Gives the system back what loading the first version left behind (the bundle's bytes, one 72 MiB array at a
    /// million entries on the large-object heap, which is not compacted, and the parse's transient strings), then asks
    /// for huge pages for the version's large arrays (<see cref="HugePages"/>; each later version gets them when it is
    /// swapped in). One blocking, compacting, decommitting collection: measured at 1M entries, RSS at ready 244 → 176 MiB
    /// from the registry once it ran after the update's frames had returned. Later versions get a background
    /// collection: a blocking one then would hold answers for as long as it runs (70–90 ms at 1M entries).
    /// </summary>
    private static void Settle(CompiledPolicy first)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // After the compaction, which moves the policy's arrays: huge pages for them where they stay.
        HugePages.Advise(first);
    }

    /// <summary>The subscription's state for metrics.</summary>
    public PolicyStatus Status
    {
        get
        {
            PolicySubscription subscription = (_host ?? throw new InvalidOperationException("the DNS point has not started")).Subscription;
            CompiledPolicy current = subscription.Current;
            long last = subscription.LastSuccessMs;
            double age = last == 0 ? -1 : (_host.Time.GetUtcNow().ToUnixTimeMilliseconds() - last) / 1000.0;
            return new PolicyStatus(current.Version, current.Bundle.Entries.Length, age, subscription.Updates, subscription.Failures);
        }
    }

    /// <summary>Writes the Prometheus metrics of the server and the subscription.</summary>
    public void WriteMetrics(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Server.Metrics.WritePrometheus(writer, Status);
        if (Server.Rpz is { } zone)
        {
            RpzSecondaryTransfer[] secondaries = [.. zone.Secondaries.OrderBy(s => s.Secondary.ToString(), StringComparer.Ordinal)];
            writer.Write("# HELP palisade_rpz_secondary_serial The serial (registry version) each configured RPZ secondary last transferred.\n# TYPE palisade_rpz_secondary_serial gauge\n");
            foreach (RpzSecondaryTransfer s in secondaries)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_rpz_secondary_serial{{secondary=\"{s.Secondary}\"}} {s.Serial}\n"));
            }

            writer.Write("# HELP palisade_rpz_secondary_transfer_timestamp_seconds When each configured RPZ secondary last completed a transfer.\n# TYPE palisade_rpz_secondary_transfer_timestamp_seconds gauge\n");
            foreach (RpzSecondaryTransfer s in secondaries)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_rpz_secondary_transfer_timestamp_seconds{{secondary=\"{s.Secondary}\"}} {s.At.ToUnixTimeSeconds()}\n"));
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
