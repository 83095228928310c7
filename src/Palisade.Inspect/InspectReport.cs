using System.Globalization;
using System.Net;
using Palisade.Core;
using Palisade.Policy;

namespace Palisade.Inspect;

/// <summary>
/// What in a capture the policy matches: each extracted name or HTTP URL matched with the same matcher as every
/// enforcement point (names and patterns for server names, hosts and query names; URL targets, exact or by path prefix,
/// for HTTP URLs; address targets for hosts that are addresses), counted per order and per policy entry, with the names
/// each entry caught. Apart: the names a server-name (SNI) enforcement would block because an order names a URL on that
/// host, although the order is for a path (the collateral of SNI blocking).
/// </summary>
public sealed class InspectReport
{
    /// <summary>Most distinct names kept per entry (the counts go on).</summary>
    public const int MaxNamesPerEntry = 100;

    private readonly CompiledPolicy _policy;
    private readonly long _unixMilliseconds;
    private readonly Dictionary<string, List<BundleEntry>> _urlHosts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Order, string Target), EntryMatches> _entries = [];
    private readonly Dictionary<(string Order, string Target), EntryMatches> _sniCollateral = [];

    /// <summary>Matches against <paramref name="policy"/>, with orders in force at <paramref name="unixMilliseconds"/>.</summary>
    public InspectReport(CompiledPolicy policy, long unixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        _unixMilliseconds = unixMilliseconds;
        foreach (BundleEntry entry in policy.Bundle.Entries)
        {
            if (entry.Kind == TargetKind.Url && UrlKey.TryParse(entry.Target, out UrlKey url))
            {
                string host = url.Host.ToString();
                (_urlHosts.TryGetValue(host, out List<BundleEntry>? list) ? list : _urlHosts[host] = []).Add(entry);
            }
        }
    }

    /// <summary>Names read.</summary>
    public long Names { get; private set; }

    /// <summary>Names that an order in force covers.</summary>
    public long Matched { get; private set; }

    /// <summary>Per order and entry: what it matched.</summary>
    public IEnumerable<EntryMatches> Entries => _entries.Values.OrderBy(e => e.Order, StringComparer.Ordinal).ThenBy(e => e.Target, StringComparer.Ordinal);

    /// <summary>Per URL order and entry: the server names on its host that an SNI enforcement would block whole.</summary>
    public IEnumerable<EntryMatches> SniCollateral => _sniCollateral.Values.OrderBy(e => e.Order, StringComparer.Ordinal).ThenBy(e => e.Target, StringComparer.Ordinal);

    /// <summary>Matches one name.</summary>
    public void Add(ExtractedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Names++;
        bool matched = false;
        string host = name.Kind == NameKind.HttpHost ? HostOf(name.Name) : name.Name;
        if (name.Kind == NameKind.HttpHost && name.Url is not null && UrlKey.TryParse(name.Url, out UrlKey url))
        {
            foreach (PolicyMatch match in _policy.MatchUrlAndHost(url))
            {
                matched |= Record(_entries, match, name);
            }
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            foreach (PolicyMatch match in _policy.MatchAddress(address.GetAddressBytes()))
            {
                matched |= Record(_entries, match, name);
            }
        }
        else if (DomainName.TryParse(host, out DomainName domain))
        {
            foreach (PolicyMatch match in _policy.MatchName(domain.Value))
            {
                matched |= Record(_entries, match, name);
            }

            // A server name (no path is visible in TLS or QUIC) on the host of a URL order: SNI blocking would take the
            // whole host. It is collateral only when no order in force names the host itself (a name or a pattern):
            // then the whole host is ordered anyway.
            if (!matched && name.Kind is NameKind.Sni or NameKind.SniOuter or NameKind.QuicSni && _urlHosts.TryGetValue(domain.Value, out List<BundleEntry>? urls))
            {
                foreach (BundleEntry entry in urls.Where(e => e.Order.IsActiveAt(_unixMilliseconds)))
                {
                    Add(_sniCollateral, entry.Order.Reference, entry.Target, entry.Kind, name);
                }
            }
        }

        if (matched)
        {
            Matched++;
        }
    }

    private bool Record(Dictionary<(string, string), EntryMatches> into, PolicyMatch match, ExtractedName name)
    {
        bool any = false;
        foreach (BundleEntry entry in match.Entries)
        {
            if (entry.Order.IsActiveAt(_unixMilliseconds))
            {
                Add(into, entry.Order.Reference, match.Target, match.TargetKind, name);
                any = true;
            }
        }

        return any;
    }

    private static void Add(Dictionary<(string, string), EntryMatches> into, string order, string target, TargetKind kind, ExtractedName name)
    {
        if (!into.TryGetValue((order, target), out EntryMatches? entry))
        {
            entry = into[(order, target)] = new EntryMatches(order, target, OrderTarget.KindNameOf(kind));
        }

        entry.Add(name);
    }

    /// <summary>An HTTP Host without its port.</summary>
    private static string HostOf(string host)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[..(close + 1)] : host;
        }

        int colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }

    /// <summary>What one policy entry of one order matched: frames, flows, first and last time, and the names.</summary>
    public sealed class EntryMatches(string order, string target, string kind)
    {
        private readonly HashSet<long> _flows = [];
        private readonly SortedSet<string> _names = new(StringComparer.Ordinal);

        /// <summary>The order.</summary>
        public string Order { get; } = order;

        /// <summary>The policy target.</summary>
        public string Target { get; } = target;

        /// <summary>The target's kind (domain, pattern, url, ip).</summary>
        public string Kind { get; } = kind;

        /// <summary>Frames whose names it matched.</summary>
        public long Frames { get; private set; }

        /// <summary>Distinct flows.</summary>
        public int Flows => _flows.Count;

        /// <summary>The first time (ticks since the Unix epoch).</summary>
        public long FirstTicks { get; private set; } = long.MaxValue;

        /// <summary>The last time.</summary>
        public long LastTicks { get; private set; } = long.MinValue;

        /// <summary>The distinct names it caught (at most <see cref="MaxNamesPerEntry"/>), as kind:name.</summary>
        public IReadOnlyCollection<string> Names => _names;

        internal void Add(ExtractedName name)
        {
            Frames++;
            _flows.Add(name.Flow);
            FirstTicks = Math.Min(FirstTicks, name.TimestampTicks);
            LastTicks = Math.Max(LastTicks, name.TimestampTicks);
            if (_names.Count < MaxNamesPerEntry)
            {
                _names.Add(ExtractedName.KindName(name.Kind) + ":" + name.Name);
            }
        }

        /// <summary>A time as RFC 3339 UTC.</summary>
        public static string Time(long ticks) => ticks is long.MaxValue or long.MinValue ? "" :
            new DateTimeOffset(DateTime.UnixEpoch.Ticks + ticks, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
