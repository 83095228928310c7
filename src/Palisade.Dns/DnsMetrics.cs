using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Palisade.Dns;

/// <summary>
/// Aggregate counters of the DNS server, written in the Prometheus text format. There is no per-client record of any
/// kind: counts per order and per outcome only (ARCHITECTURE.md, principle 3).
/// </summary>
public sealed class DnsMetrics
{
    private static readonly double[] s_latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    // The names of GCMemoryInfo.GenerationInfo's entries, in its order.
    private static readonly string[] s_generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    private readonly ConcurrentDictionary<string, StrongBox<long>> _blocked = new(StringComparer.Ordinal);
    private readonly long[] _latency = new long[s_latencyBuckets.Length + 1];
    private long _udpQueries;
    private long _tcpQueries;
    private long _cacheHits;
    private long _cacheMisses;
    private long _upstreamFailures;
    private long _servfail;
    private long _malformed;
    private long _upstreamMalformed;
    private long _tcpRefused;
    private long _tcpIdleClosed;
    private long _latencySumMicroseconds;
    private long _latencyCount;

    internal void Query(bool tcp) => Interlocked.Increment(ref tcp ? ref _tcpQueries : ref _udpQueries);

    /// <summary>The counter of answers blocked for an order (the responder keeps it beside the order's answer text,
    /// so a blocked answer counts without looking the reference up).</summary>
    internal StrongBox<long> BlockedCounter(string reference) => _blocked.GetOrAdd(reference, static _ => new StrongBox<long>());

    internal static void Blocked(StrongBox<long> counter) => Interlocked.Increment(ref counter.Value);

    internal void CacheHit() => Interlocked.Increment(ref _cacheHits);

    internal void CacheMiss() => Interlocked.Increment(ref _cacheMisses);

    internal void UpstreamFailed() => Interlocked.Increment(ref _upstreamFailures);

    internal void ServFail() => Interlocked.Increment(ref _servfail);

    internal void Malformed() => Interlocked.Increment(ref _malformed);

    internal void UpstreamMalformed() => Interlocked.Increment(ref _upstreamMalformed);

    internal void TcpRefused() => Interlocked.Increment(ref _tcpRefused);

    internal void TcpIdleClosed() => Interlocked.Increment(ref _tcpIdleClosed);

    internal void UpstreamAnswered(TimeSpan latency)
    {
        int bucket = 0;
        while (bucket < s_latencyBuckets.Length && latency.TotalSeconds > s_latencyBuckets[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _latency[bucket]);
        Interlocked.Add(ref _latencySumMicroseconds, (long)latency.TotalMicroseconds);
        Interlocked.Increment(ref _latencyCount);
    }

    /// <summary>Blocked answers so far for one order reference.</summary>
    public long BlockedFor(string reference) => _blocked.TryGetValue(reference, out StrongBox<long>? box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Writes every counter in the Prometheus text exposition format (version 0.0.4).</summary>
    public void WritePrometheus(TextWriter writer, PolicyStatus policy)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(policy);
        Counter(writer, "palisade_dns_queries_total", "DNS queries received.", ("transport=\"udp\"", Interlocked.Read(ref _udpQueries)), ("transport=\"tcp\"", Interlocked.Read(ref _tcpQueries)));
        writer.Write("# HELP palisade_dns_blocked_total Answers blocked, by the order that required it.\n# TYPE palisade_dns_blocked_total counter\n");
        foreach (KeyValuePair<string, StrongBox<long>> pair in _blocked.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_dns_blocked_total{{order=\"{Escape(pair.Key)}\"}} {Interlocked.Read(ref pair.Value.Value)}\n"));
        }

        Counter(writer, "palisade_dns_cache_total", "Cache lookups of forwarded names.", ("result=\"hit\"", Interlocked.Read(ref _cacheHits)), ("result=\"miss\"", Interlocked.Read(ref _cacheMisses)));
        Counter(writer, "palisade_dns_upstream_failures_total", "Upstream attempts that timed out or failed.", ("", Interlocked.Read(ref _upstreamFailures)));
        Counter(writer, "palisade_dns_servfail_total", "Queries answered SERVFAIL because no upstream answered.", ("", Interlocked.Read(ref _servfail)));
        Counter(writer, "palisade_dns_malformed_total", "Messages refused as malformed.", ("", Interlocked.Read(ref _malformed)));
        Counter(writer, "palisade_dns_tcp_connections_closed_total", "TCP connections refused at a limit, or closed idle to make room.",
            ("reason=\"limit\"", Interlocked.Read(ref _tcpRefused)), ("reason=\"idle\"", Interlocked.Read(ref _tcpIdleClosed)));
        Counter(writer, "palisade_dns_upstream_malformed_total", "Upstream answers refused as unreadable (answered SERVFAIL, not cached).", ("", Interlocked.Read(ref _upstreamMalformed)));

        writer.Write("# HELP palisade_dns_upstream_latency_seconds Time to an upstream answer.\n# TYPE palisade_dns_upstream_latency_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < s_latencyBuckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _latency[i]);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_dns_upstream_latency_seconds_bucket{{le=\"{s_latencyBuckets[i]}\"}} {cumulative}\n"));
        }

        cumulative += Interlocked.Read(ref _latency[^1]);
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_dns_upstream_latency_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n"));
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_dns_upstream_latency_seconds_sum {Interlocked.Read(ref _latencySumMicroseconds) / 1e6}\n"));
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"palisade_dns_upstream_latency_seconds_count {Interlocked.Read(ref _latencyCount)}\n"));

        Gauge(writer, "palisade_policy_version", "The registry version enforced.", policy.Version);
        Gauge(writer, "palisade_policy_entries", "Entries in the enforced version.", policy.Entries);
        Gauge(writer, "palisade_policy_age_seconds", "Seconds since the registry was last checked successfully (-1: never).", policy.AgeSeconds);
        Counter(writer, "palisade_policy_updates_total", "Versions verified and swapped in.", ("", policy.Updates));
        Counter(writer, "palisade_policy_verification_failures_total", "Updates refused: a file did not verify or arrive; the last good version stays.", ("", policy.Failures));
        WriteMemory(writer);
    }

    /// <summary>
    /// The process's memory: resident, and the managed heap by generation as the last collection left it. A policy of a
    /// million entries is most of both; an operator sizing the machine or watching a swap reads them here.
    /// </summary>
    private static void WriteMemory(TextWriter writer)
    {
        Gauge(writer, "process_resident_memory_bytes", "Resident memory of the process.", Environment.WorkingSet);
        GCMemoryInfo gc = GC.GetGCMemoryInfo();
        writer.Write("# HELP dotnet_gc_heap_size_bytes Managed heap by generation after the last collection.\n# TYPE dotnet_gc_heap_size_bytes gauge\n");
        ReadOnlySpan<GCGenerationInfo> generations = gc.GenerationInfo;
        for (int i = 0; i < generations.Length && i < s_generations.Length; i++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"dotnet_gc_heap_size_bytes{{generation=\"{s_generations[i]}\"}} {generations[i].SizeAfterBytes}\n"));
        }

        Gauge(writer, "dotnet_gc_committed_bytes", "Memory the collector has committed.", gc.TotalCommittedBytes);
    }

    private static void Counter(TextWriter writer, string name, string help, params (string Labels, long Value)[] samples)
    {
        writer.Write($"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach ((string labels, long value) in samples)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{name}{(labels.Length > 0 ? "{" + labels + "}" : "")} {value}\n"));
        }
    }

    private static void Gauge(TextWriter writer, string name, string help, double value) =>
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"));

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
