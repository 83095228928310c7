using System.Buffers.Binary;
using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// An immutable snapshot of one registry version, answering "which entries match this name / address / URL?" without
/// allocating: exact names and wildcard patterns (most specific first), longest-prefix match for IPv4 and IPv6, URL
/// keys exactly and by path prefix. Readers share one instance; a new version is published by swapping the reference
/// (see <c>Palisade.Client.PolicySubscription</c>), never by changing one in place.
/// </summary>
/// <remarks>Queries take canonical forms: lower-case A-label names without a trailing dot, URL keys as
/// <see cref="UrlKey"/> writes them, addresses as 4 or 16 network-order bytes.</remarks>
public sealed class CompiledPolicy
{
    private readonly BundleEntry[] _entries;
    private readonly NameTable _names;
    private readonly NameTable _wildcards;
    private readonly Dictionary<string, Group>.AlternateLookup<ReadOnlySpan<char>> _urls;
    private readonly Dictionary<uint, Group>?[] _v4 = new Dictionary<uint, Group>?[33];
    private readonly Dictionary<UInt128, Group>?[] _v6 = new Dictionary<UInt128, Group>?[129];
    private readonly int[] _v4Lengths;
    private readonly int[] _v6Lengths;
    private PolicyEpoch? _epoch;

    private CompiledPolicy(PolicyBundle bundle, DeltaTargets? changed)
    {
        Bundle = bundle;
        Changed = changed;
        _entries = bundle.Entries;
        // Sized once from a count of each kind: at a million entries, growing the tables step by step rehashes them
        // about twenty times over while the policy loads.
        int nameCount = 0, patternCount = 0, urlCount = 0;
        foreach (BundleEntry entry in _entries)
        {
            switch (OrderTarget.KindOfCanonical(entry.Target))
            {
                case TargetKind.Url:
                    urlCount++;
                    break;
                case TargetKind.Pattern:
                    patternCount++;
                    break;
                case TargetKind.Prefix:
                    break;
                default:
                    nameCount++;
                    break;
            }
        }

        _names = new NameTable(_entries, nameCount, 0);
        _wildcards = new NameTable(_entries, patternCount, 2);
        var urls = new Dictionary<string, Group>(urlCount, StringComparer.Ordinal);
        for (int start = 0; start < _entries.Length;)
        {
            string target = _entries[start].Target;
            int end = start + 1;
            while (end < _entries.Length && string.Equals(_entries[end].Target, target, StringComparison.Ordinal))
            {
                end++;
            }

            var group = new Group(start, end - start);
            switch (OrderTarget.KindOfCanonical(target))
            {
                case TargetKind.Url:
                    urls.Add(target, group);
                    break;
                case TargetKind.Pattern:
                    _wildcards.Add(start, end - start);
                    break;
                case TargetKind.Prefix:
                    AddPrefix(target, group);
                    break;
                default:
                    _names.Add(start, end - start);
                    break;
            }

            start = end;
        }

        _urls = urls.GetAlternateLookup<ReadOnlySpan<char>>();
        _v4Lengths = PresentLengths(_v4);
        _v6Lengths = PresentLengths(_v6);
        UrlCount = urls.Count;
    }

    /// <summary>The policy of no version: matches nothing.</summary>
    public static CompiledPolicy Empty { get; } = new(new PolicyBundle("", 0, 0, new byte[32], 0, []), null);

    /// <summary>The bundle this policy was compiled from.</summary>
    public PolicyBundle Bundle { get; }

    /// <summary>The registry version.</summary>
    public ulong Version => Bundle.Version;

    /// <summary>The targets the deltas from an earlier version to this one touched, when the version was reached by
    /// following deltas; null when its bundle was read whole.</summary>
    public DeltaTargets? Changed { get; }

    /// <summary>Distinct exact names.</summary>
    public int NameCount => _names.Count;

    /// <summary>Distinct wildcard patterns.</summary>
    public int PatternCount => _wildcards.Count;

    /// <summary>Whether the policy has any IP prefix target (when not, no address needs to be looked up).</summary>
    public bool HasPrefixes => _v4Lengths.Length + _v6Lengths.Length > 0;

    /// <summary>Distinct URL keys.</summary>
    public int UrlCount { get; }

    /// <summary>
    /// The epoch of this policy that holds <paramref name="unixMilliseconds"/>: the stretch between the order changes
    /// (an order taking effect or expiring) around that time. The same instance is returned for every time in it.
    /// </summary>
    /// <remarks>Finding a new epoch reads every entry once (a few milliseconds at a million entries); that happens for
    /// the first time asked and when the time passes an order's change, not per lookup.</remarks>
    public PolicyEpoch EpochAt(long unixMilliseconds)
    {
        PolicyEpoch? epoch = Volatile.Read(ref _epoch);
        if (epoch is not null && epoch.Contains(unixMilliseconds))
        {
            return epoch;
        }

        long from = long.MinValue, until = long.MaxValue;
        PolicyOrder? previous = null;
        foreach (BundleEntry entry in _entries)
        {
            // Entries of one order are often neighbours; an order already looked at changes nothing.
            PolicyOrder order = entry.Order;
            if (ReferenceEquals(order, previous))
            {
                continue;
            }

            previous = order;
            Bound(order.EffectiveMs, unixMilliseconds, ref from, ref until);
            if (order.ExpiresMs is { } expires)
            {
                Bound(expires, unixMilliseconds, ref from, ref until);
            }
        }

        epoch = new PolicyEpoch(from, until);
        Volatile.Write(ref _epoch, epoch);
        return epoch;
    }

    /// <summary>Shows <paramref name="visitor"/> the arrays every name lookup reads: the entries and both name tables.</summary>
    public void VisitLargeArrays(ILargeArrayVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        visitor.Visit(_entries);
        _names.VisitSlots(visitor);
        _wildcards.VisitSlots(visitor);
    }

    /// <summary>Compiles a bundle, with the targets the deltas that led to it touched, if it was reached by deltas.</summary>
    /// <exception cref="FormatException">A prefix target is not a canonical prefix.</exception>
    public static CompiledPolicy Build(PolicyBundle bundle, DeltaTargets? changed = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new CompiledPolicy(bundle, changed);
    }

    /// <summary>Every target covering a name, most specific first: the name itself, then <c>*.parent</c> patterns from
    /// the nearest parent up.</summary>
    public NameMatches MatchName(ReadOnlySpan<char> name) => new(this, name);

    /// <summary>Every prefix covering an address (4 or 16 bytes; IPv4-mapped IPv6 counts as IPv4), longest first.</summary>
    public AddressMatches MatchAddress(ReadOnlySpan<byte> address) => new(this, address);

    /// <summary>Every URL target covering a URL key, most specific first: the URL itself, then path prefixes ending in
    /// '/' from the longest path up.</summary>
    public UrlMatches MatchUrl(ReadOnlySpan<char> url) => new(this, url);

    /// <summary>Every target covering a URL, as search engines and probes ask: its URL targets (exact, then path
    /// prefixes), then the name and pattern targets covering its host, or the prefixes covering an address host.</summary>
    public List<PolicyMatch> MatchUrlAndHost(UrlKey key)
    {
        var found = new List<PolicyMatch>();
        foreach (PolicyMatch match in MatchUrl(key.Value))
        {
            found.Add(match);
        }

        string host = key.Host.ToString();
        if (host.StartsWith('['))
        {
            host = host[1..^1];
        }

        if (System.Net.IPAddress.TryParse(host, out System.Net.IPAddress? address))
        {
            foreach (PolicyMatch match in MatchAddress(address.GetAddressBytes()))
            {
                found.Add(match);
            }
        }
        else if (DomainName.TryParse(host, out DomainName domain))
        {
            foreach (PolicyMatch match in MatchName(domain.Value))
            {
                found.Add(match);
            }
        }

        return found;
    }

    /// <summary>The most specific target covering the name that has an order enforced at the given time.</summary>
    /// <remarks>The DNS server's path: every parent's hash from one pass over the name, then one slot per lookup.</remarks>
    public bool TryMatchName(ReadOnlySpan<char> name, long unixMilliseconds, out PolicyMatch match, out PolicyOrder? order)
    {
        // Sized to the name: a stack buffer is zeroed on every call, and most names have two to four labels.
        int labels = name.Count('.') + 1;
        if (labels <= NameTable.StackLabels)
        {
            Span<int> starts = stackalloc int[labels];
            Span<ulong> hashes = stackalloc ulong[labels];
            NameTable.SuffixHashes(name, starts, hashes);
            for (int label = 0; label < labels; label++)
            {
                NameTable table = label == 0 ? _names : _wildcards;
                if (table.TryFind(hashes[label], name[starts[label]..], out int start, out int count))
                {
                    var candidate = new PolicyMatch(_entries, start, count, label == 0 ? MatchKind.Exact : MatchKind.Wildcard);
                    if (candidate.FirstActive(unixMilliseconds) is { } active)
                    {
                        (match, order) = (candidate, active);
                        return true;
                    }
                }
            }

            (match, order) = (default, null);
            return false;
        }

        foreach (PolicyMatch candidate in MatchName(name))
        {
            if (candidate.FirstActive(unixMilliseconds) is { } active)
            {
                (match, order) = (candidate, active);
                return true;
            }
        }

        (match, order) = (default, null);
        return false;
    }

    /// <summary>The longest prefix covering the address that has an order enforced at the given time.</summary>
    public bool TryMatchAddress(ReadOnlySpan<byte> address, long unixMilliseconds, out PolicyMatch match, out PolicyOrder? order)
    {
        foreach (PolicyMatch candidate in MatchAddress(address))
        {
            if (candidate.FirstActive(unixMilliseconds) is { } active)
            {
                (match, order) = (candidate, active);
                return true;
            }
        }

        (match, order) = (default, null);
        return false;
    }

    /// <summary>The most specific URL target covering the URL that has an order enforced at the given time.</summary>
    public bool TryMatchUrl(ReadOnlySpan<char> url, long unixMilliseconds, out PolicyMatch match, out PolicyOrder? order)
    {
        foreach (PolicyMatch candidate in MatchUrl(url))
        {
            if (candidate.FirstActive(unixMilliseconds) is { } active)
            {
                (match, order) = (candidate, active);
                return true;
            }
        }

        (match, order) = (default, null);
        return false;
    }

    private static void Bound(long change, long now, ref long from, ref long until)
    {
        if (change <= now)
        {
            from = Math.Max(from, change);
        }
        else
        {
            until = Math.Min(until, change);
        }
    }

    private void AddPrefix(string target, Group group)
    {
        IpPrefix prefix = IpPrefix.Parse(target);
        if (prefix.IsIPv6)
        {
            (_v6[prefix.PrefixLength] ??= []).Add(prefix.NetworkBits, group);
        }
        else
        {
            (_v4[prefix.PrefixLength] ??= []).Add((uint)prefix.NetworkBits, group);
        }
    }

    private static int[] PresentLengths<T>(T?[] byLength)
        where T : class
    {
        var lengths = new List<int>();
        for (int length = byLength.Length - 1; length >= 0; length--)
        {
            if (byLength[length] is not null)
            {
                lengths.Add(length);
            }
        }

        return [.. lengths];
    }

    private readonly record struct Group(int Start, int Count);

    /// <summary>Enumerates name matches without allocating.</summary>
    public ref struct NameMatches
    {
        private readonly CompiledPolicy _policy;
        private readonly ReadOnlySpan<char> _name;
        private int _next;

        internal NameMatches(CompiledPolicy policy, ReadOnlySpan<char> name)
        {
            _policy = policy;
            _name = name;
            _next = -1;
            Current = default;
        }

        /// <summary>The current match.</summary>
        public PolicyMatch Current { get; private set; }

        /// <summary>For <c>foreach</c>.</summary>
        public readonly NameMatches GetEnumerator() => this;

        /// <summary>Advances to the next, less specific match.</summary>
        public bool MoveNext()
        {
            if (_next == -1)
            {
                _next = 0;
                if (_policy._names.TryFind(NameTable.Hash(_name), _name, out int start, out int count))
                {
                    Current = new PolicyMatch(_policy._entries, start, count, MatchKind.Exact);
                    return true;
                }
            }

            while (_next < _name.Length)
            {
                int dot = _name[_next..].IndexOf('.');
                if (dot < 0)
                {
                    _next = _name.Length;
                    break;
                }

                _next += dot + 1;
                ReadOnlySpan<char> parent = _name[_next..];
                if (_policy._wildcards.TryFind(NameTable.Hash(parent), parent, out int start, out int count))
                {
                    Current = new PolicyMatch(_policy._entries, start, count, MatchKind.Wildcard);
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Enumerates address matches without allocating.</summary>
    /// <remarks>An IPv6 address that spells an IPv4 one (<see cref="EmbeddedIPv4"/>: mapped, compatible, NAT64, 6to4)
    /// is matched as written, then as the IPv4 address it carries.</remarks>
    public ref struct AddressMatches
    {
        private readonly CompiledPolicy _policy;
        private readonly UInt128 _v6Bits;
        private readonly uint _v4Bits;
        private bool _v6;
        private readonly bool _hasV4;
        private int _next;

        internal AddressMatches(CompiledPolicy policy, ReadOnlySpan<byte> address)
        {
            _policy = policy;
            if (address.Length == 4)
            {
                _v4Bits = BinaryPrimitives.ReadUInt32BigEndian(address);
                _hasV4 = true;
            }
            else if (address.Length == 16)
            {
                _v6 = true;
                _v6Bits = BinaryPrimitives.ReadUInt128BigEndian(address);
                _hasV4 = EmbeddedIPv4.TryGetAddress(address, out _v4Bits);
            }
            else
            {
                throw new ArgumentException("an address is 4 or 16 bytes", nameof(address));
            }

            _next = 0;
            Current = default;
        }

        /// <summary>The current match.</summary>
        public PolicyMatch Current { get; private set; }

        /// <summary>For <c>foreach</c>.</summary>
        public readonly AddressMatches GetEnumerator() => this;

        /// <summary>Advances to the next, shorter prefix (the IPv6 ones first, then those of the IPv4 address carried).</summary>
        public bool MoveNext()
        {
            while (true)
            {
                int[] lengths = _v6 ? _policy._v6Lengths : _policy._v4Lengths;
                while (_next < lengths.Length)
                {
                    int length = lengths[_next++];
                    Group group;
                    bool found = _v6
                        ? _policy._v6[length]!.TryGetValue(length == 0 ? 0 : _v6Bits & (UInt128.MaxValue << (128 - length)), out group)
                        : _policy._v4[length]!.TryGetValue(length == 0 ? 0 : _v4Bits & (uint.MaxValue << (32 - length)), out group);
                    if (found)
                    {
                        Current = new PolicyMatch(_policy._entries, group.Start, group.Count, length == (_v6 ? 128 : 32) ? MatchKind.Exact : MatchKind.CoveringPrefix);
                        return true;
                    }
                }

                if (!_v6 || !_hasV4)
                {
                    return false;
                }

                (_v6, _next) = (false, 0);
            }
        }
    }

    /// <summary>Enumerates URL matches without allocating.</summary>
    public ref struct UrlMatches
    {
        private readonly CompiledPolicy _policy;
        private readonly ReadOnlySpan<char> _url;
        private readonly int _pathStart;
        private int _end;

        internal UrlMatches(CompiledPolicy policy, ReadOnlySpan<char> url)
        {
            _policy = policy;
            _url = url;
            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            int slash = scheme < 0 ? -1 : url[(scheme + 3)..].IndexOf('/');
            _pathStart = slash < 0 ? url.Length : scheme + 3 + slash;
            int query = url.IndexOf('?');
            _end = -1;
            PathEnd = query < 0 ? url.Length : query;
            Current = default;
        }

        /// <summary>The current match.</summary>
        public PolicyMatch Current { get; private set; }

        private int PathEnd { get; }

        /// <summary>For <c>foreach</c>.</summary>
        public readonly UrlMatches GetEnumerator() => this;

        /// <summary>Advances to the next, shorter path prefix.</summary>
        public bool MoveNext()
        {
            if (_end == -1)
            {
                _end = PathEnd;
                if (_policy._urls.TryGetValue(_url, out Group exact))
                {
                    Current = new PolicyMatch(_policy._entries, exact.Start, exact.Count, MatchKind.Exact);
                    return true;
                }
            }

            // Prefixes end just after a '/' of the path; the longest comes first, the URL itself is not repeated.
            while (_end > _pathStart)
            {
                int slash = _url[_pathStart.._end].LastIndexOf('/');
                if (slash < 0)
                {
                    _end = _pathStart;
                    break;
                }

                int prefixEnd = _pathStart + slash + 1;
                _end = _pathStart + slash;
                if (prefixEnd == _url.Length)
                {
                    continue;
                }

                if (_policy._urls.TryGetValue(_url[..prefixEnd], out Group prefix))
                {
                    Current = new PolicyMatch(_policy._entries, prefix.Start, prefix.Count, MatchKind.PathPrefix);
                    return true;
                }
            }

            return false;
        }
    }
}
