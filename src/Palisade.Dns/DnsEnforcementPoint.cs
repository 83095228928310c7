using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Dns;

/// <summary>
/// A DNS server following a registry: the verified subscription (long-polled, fail-static) feeds the server's policy
/// by one reference swap per version. What <c>palisade serve --dns</c> and <c>palisade dns</c> run.
/// </summary>
public sealed class DnsEnforcementPoint : IAsyncDisposable
{
    // How long after a first version from the registry is swapped in its load's garbage is collected: long enough for
    // the update's methods, whose frames hold the bundle's bytes, to have returned.
    private static readonly TimeSpan LoadGarbageDelay = TimeSpan.FromMilliseconds(200);

    private readonly PolicyFollower _follower;
    private readonly TimeProvider _time;

    private DnsEnforcementPoint(PolicyFollower follower, DnsServer server, TimeProvider time)
    {
        _follower = follower;
        Server = server;
        _time = time;
    }

    /// <summary>The registry subscription.</summary>
    public PolicySubscription Subscription => _follower.Subscription;

    /// <summary>The DNS server.</summary>
    public DnsServer Server { get; }

    /// <summary>Starts the server (answering from the cached version, if any, at once) and follows the registry.</summary>
    /// <param name="registry">The registry's base URL.</param>
    /// <param name="key">The registry's pinned log key.</param>
    /// <param name="options">The server's settings.</param>
    /// <param name="cacheDirectory">Where the last verified bundle is kept across restarts (null: nowhere).</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="witnesses">Witnesses whose cosignatures must cover a version before it is enforced (null: none).</param>
    /// <param name="pointKey">The enforcement point's key (<c>palisade point create</c>); with it, the point signs and
    /// sends an acknowledgement of every version it starts enforcing (null: none).</param>
    public static DnsEnforcementPoint Start(Uri registry, NoteVerifier key, DnsServerOptions options, string? cacheDirectory = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null,
        WitnessPolicy? witnesses = null, NoteSigner? pointKey = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var follower = new PolicyFollower(registry, key, cacheDirectory, loggerFactory, time, witnesses, pointKey);
        PolicySubscription subscription = follower.Subscription;
        var server = new DnsServer(options, () => subscription.Current, loggerFactory.CreateLogger<DnsServer>(), time);
        var point = new DnsEnforcementPoint(follower, server, time);
        if (server.Rpz is { } zone)
        {
            subscription.Swapped += zone.Update;
        }

        // The DNS server answers from the new version the moment it is swapped in: acknowledge then (and the cached
        // version at start).
        subscription.Swapped += follower.AcknowledgeInBackground;

        // The policy's current epoch reads every entry once; found when a version is swapped in, the first query after
        // the swap does not.
        subscription.Swapped += policy => policy.EpochAt(time.GetUtcNow().ToUnixTimeMilliseconds());

        // The first version, from the cache or else from the registry, is loaded while nothing is enforced yet: its load's
        // garbage goes back at once (Settle). The versions after it replace one enforced policy with another; each swap
        // asks for a background collection of the one it replaced, which keeps RSS near two policies' worth instead of
        // growing with every whole bundle loaded (measured at 1M entries, three whole-bundle swaps: 372, 574, 706 MiB
        // without; 344, 357, 377 MiB with).
        bool fromCache = subscription.LoadCache();
        if (fromCache)
        {
            // Collected here, once LoadCache has returned: while it runs, its frame holds the file's bytes.
            Settle(subscription.Current);
        }

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
        catch
        {
            follower.Http.Dispose();
            throw;
        }

        follower.Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));
        return point;
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

    /// <summary>What acknowledges the versions this point enforces; null without a point key.</summary>
    public PointAcknowledger? Acknowledger => _follower.Acknowledger;

    /// <summary>The subscription's state for metrics.</summary>
    public PolicyStatus Status
    {
        get
        {
            CompiledPolicy current = Subscription.Current;
            long last = Subscription.LastSuccessMs;
            double age = last == 0 ? -1 : (_time.GetUtcNow().ToUnixTimeMilliseconds() - last) / 1000.0;
            return new PolicyStatus(current.Version, current.Bundle.Entries.Length, age, Subscription.Updates, Subscription.Failures);
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
        await _follower.DisposeAsync().ConfigureAwait(false);
        await Server.DisposeAsync().ConfigureAwait(false);
    }
}
