using System.Buffers.Binary;
using System.Collections.Concurrent;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>
/// Upstream answers kept for their TTL (and negative answers for their SOA minimum, RFC 2308), bounded in entries.
/// Keyed by name, type, class and the DO and CD bits, so DNSSEC-aware clients get the answers they asked for. A hit is
/// copied into the caller's buffer with the client's ID and the TTLs aged by the time spent in the cache.
/// </summary>
internal sealed class DnsCache
{
    /// <summary>Longest time a negative answer is kept, whatever its SOA says (three hours, RFC 2308 §5).</summary>
    public const uint MaxNegativeTtl = 10_800;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;
    private readonly TimeProvider _time;

    private readonly uint _maxTtl;

    /// <summary>Creates a cache of at most <paramref name="capacity"/> answers, each kept at most <paramref name="maxTtl"/> seconds.</summary>
    public DnsCache(int capacity, TimeProvider time, uint maxTtl = 86_400)
    {
        _capacity = capacity;
        _time = time;
        _maxTtl = maxTtl;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _entries.Count;

    /// <summary>The key text of a query: the name, then type, class and the DO and CD bits as one character each
    /// (stack-allocated by the caller, ≤ 300 chars). The key is never shown, so it is built without formatting numbers.</summary>
    public static int Key(in DnsQuery query, ReadOnlySpan<char> name, Span<char> destination)
    {
        name.CopyTo(destination);
        int position = name.Length;
        destination[position++] = '|';
        destination[position++] = (char)query.QuestionType;
        destination[position++] = (char)query.QuestionClass;
        destination[position++] = (char)((query.DnssecOk ? 1 : 0) | ((query.Flags & DnsConstants.FlagCd) != 0 ? 2 : 0));
        return position;
    }

    /// <summary>The live entry of a key, or null; an expired entry is removed.</summary>
    public Entry? Find(ReadOnlySpan<char> key, long now)
    {
        if (!_lookup.TryGetValue(key, out Entry? entry))
        {
            return null;
        }

        if (now >= entry.ExpiresMs)
        {
            _lookup.TryRemove(key, out _);
            return null;
        }

        return entry;
    }

    /// <summary>Stores an upstream response if its TTLs allow; evicts when full.</summary>
    public void Store(string key, ReadOnlySpan<byte> response)
    {
        int questionEnd = DnsMessageWalker.QuestionEnd(response);
        int rcode = response.Length >= DnsConstants.FlagsOffset + 2 ? response[DnsConstants.FlagsOffset + 1] & DnsConstants.RcodeMask : -1;
        if (questionEnd < 0 || (BinaryPrimitives.ReadUInt16BigEndian(response[DnsConstants.FlagsOffset..]) & DnsConstants.FlagTc) != 0 || rcode is not (DnsConstants.RcodeNoError or DnsConstants.RcodeNxDomain))
        {
            return;
        }

        uint? ttl = DnsMessageWalker.CacheTtl(response, questionEnd);
        if (ttl is null || ttl == 0)
        {
            return;
        }

        bool negative = rcode == DnsConstants.RcodeNxDomain || BinaryPrimitives.ReadUInt16BigEndian(response[DnsConstants.AnswerCountOffset..]) == 0;
        uint seconds = Math.Min(ttl.Value, negative ? Math.Min(MaxNegativeTtl, _maxTtl) : _maxTtl);
        if (_entries.Count >= _capacity)
        {
            Evict();
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _entries[key] = new Entry(response.ToArray(), questionEnd, now, now + (seconds * 1000L));
    }

    /// <summary>Drops expired entries, then, if still full, an eighth of the rest.</summary>
    private void Evict()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        int drop = Math.Max(1, _capacity / 8);
        foreach (KeyValuePair<string, Entry> pair in _entries)
        {
            if (pair.Value.ExpiresMs <= now || _entries.Count >= _capacity - drop)
            {
                _entries.TryRemove(pair.Key, out _);
            }

            if (_entries.Count < _capacity - drop)
            {
                break;
            }
        }
    }

    /// <summary>One cached answer.</summary>
    internal sealed record Entry(byte[] Response, int QuestionEnd, long StoredMs, long ExpiresMs)
    {
        private PolicyEpoch? _unblockedIn;

        /// <summary>Copies the answer into <paramref name="destination"/> with the given ID, its TTLs aged to
        /// <paramref name="now"/> (Unix milliseconds); 0 when it does not fit.</summary>
        public int CopyTo(Span<byte> destination, ushort id, long now)
        {
            if (Response.Length > destination.Length)
            {
                return 0;
            }

            Response.CopyTo(destination);
            BinaryPrimitives.WriteUInt16BigEndian(destination, id);
            DnsMessageWalker.Age(destination[..Response.Length], QuestionEnd, (uint)((now - StoredMs) / 1000));
            return Response.Length;
        }

        /// <summary>The policy epoch in which the question's name was last found not blocked (null: not yet looked up).
        /// While the policy's epoch is this one, the lookup would find the same, and the responder skips it.</summary>
        public PolicyEpoch? UnblockedIn
        {
            get => Volatile.Read(ref _unblockedIn);
            set => Volatile.Write(ref _unblockedIn, value);
        }
    }
}
