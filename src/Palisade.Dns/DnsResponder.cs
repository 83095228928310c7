using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Palisade.Formats;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>What the responder decided for one query.</summary>
internal enum DnsDisposition
{
    /// <summary>Nothing to send (not a query, or too short to answer).</summary>
    Drop,

    /// <summary>The response is written (blocked, cached, or an error).</summary>
    Answered,

    /// <summary>The name is not blocked and not cached: forward it.</summary>
    Forward,
}

/// <summary>
/// The synchronous part of answering a query, shared by UDP and TCP: read it, answer blocked names from the compiled
/// policy with an Extended DNS Error naming the order, answer from the cache, or say it must be forwarded. Allocates
/// nothing for a blocked or cached answer.
/// </summary>
internal sealed class DnsResponder
{
    private readonly DnsServerOptions _options;
    private readonly Func<CompiledPolicy> _policy;
    private readonly TimeProvider _time;
    private readonly DnsCache _cache;
    private readonly DnsMetrics _metrics;
    private readonly byte[] _blockPageV4;
    private readonly byte[] _blockPageV6;
    private readonly ConditionalWeakTable<PolicyOrder, BlockedOrder> _blockedOrders = [];
    private VersionedRecord _negativeSoa = new(ulong.MaxValue, []);

    private sealed record VersionedRecord(ulong Version, byte[] Record);

    /// <summary>What every blocked answer for one order shares: the EDE extra text and the order's counter.</summary>
    private sealed record BlockedOrder(byte[] ExtraText, StrongBox<long> Counter);

    /// <summary>The SOA of blocked negative answers, its serial the version of <paramref name="policy"/> (the one the
    /// answer was matched in; made once per version).</summary>
    private byte[] NegativeSoa(CompiledPolicy policy)
    {
        ulong version = policy.Version;
        VersionedRecord soa = Volatile.Read(ref _negativeSoa);
        if (soa.Version != version)
        {
            soa = new VersionedRecord(version, DnsResponseWriter.NegativeSoa(_options.PolicyZone, (uint)_options.NegativeTtl.TotalSeconds, (uint)version));
            Volatile.Write(ref _negativeSoa, soa);
        }

        return soa.Record;
    }

    public DnsResponder(DnsServerOptions options, Func<CompiledPolicy> policy, TimeProvider time, DnsCache cache, DnsMetrics metrics)
    {
        _options = options;
        _policy = policy;
        _time = time;
        _cache = cache;
        _metrics = metrics;
        _blockPageV4 = options.BlockPageV4?.GetAddressBytes() ?? [];
        _blockPageV6 = options.BlockPageV6?.GetAddressBytes() ?? [];
    }

    /// <summary>The RPZ zone whose apex is answered with authority (null: none).</summary>
    public RpzZone? Rpz { get; set; }

    /// <summary>Answers what can be answered here. For <see cref="DnsDisposition.Forward"/>, <paramref name="query"/> and
    /// the cache key in <paramref name="key"/> (<paramref name="keyLength"/> characters) describe what to forward.</summary>
    public DnsDisposition Respond(ReadOnlySpan<byte> request, Span<byte> response, out int length, out DnsQuery query, Span<char> key, out int keyLength)
    {
        length = 0;
        keyLength = 0;
        Span<char> name = stackalloc char[DnsConstants.MaxNameLength];
        DnsParseStatus status = DnsQuery.TryParse(request, name, out query);
        if (request.Length < DnsConstants.HeaderLength || (BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.FlagsOffset..]) & DnsConstants.FlagQr) != 0)
        {
            // Too short to answer, or a response sent to us: answering could start a loop.
            _metrics.Malformed();
            return DnsDisposition.Drop;
        }

        if (status != DnsParseStatus.Ok)
        {
            _metrics.Malformed();
            query = new DnsQuery { Id = 0, Flags = BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.FlagsOffset..]) };
            length = DnsResponseWriter.WriteError(request, query, questionRead: false, DnsConstants.RcodeFormErr, response);
            return DnsDisposition.Answered;
        }

        if (query.Opcode != DnsConstants.OpcodeQuery)
        {
            length = DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeNotImp, response);
            return DnsDisposition.Answered;
        }

        if (query.HasEdns && query.EdnsVersion > 0)
        {
            length = DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeBadVers, response);
            return DnsDisposition.Answered;
        }

        if (query.QuestionType is DnsConstants.TypeAxfr or DnsConstants.TypeIxfr)
        {
            // Zone transfers are only of the RPZ zone, only over TCP, and never forwarded.
            length = DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeRefused, response);
            return DnsDisposition.Answered;
        }

        ReadOnlySpan<char> qname = name[..query.NameLength];
        if (Rpz is not null && (length = Rpz.AnswerApex(request, query, qname, response)) > 0)
        {
            return DnsDisposition.Answered;
        }

        CompiledPolicy policy = _policy();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        keyLength = DnsCache.Key(query, qname, key);
        DnsCache.Entry? cached = _cache.Find(key[..keyLength], now);
        if (query.QuestionClass == DnsConstants.ClassIn && query.NameIsHostName)
        {
            // A cached name found unblocked in the policy's current epoch is still unblocked: no order has changed
            // since, and a new version is a new policy with epochs of its own.
            PolicyEpoch epoch = policy.EpochAt(now);
            if (cached is null || cached.UnblockedIn != epoch)
            {
                if (policy.TryMatchName(qname, now, out _, out PolicyOrder? order))
                {
                    BlockedOrder blocked = Blocked(order!);
                    DnsMetrics.Blocked(blocked.Counter);
                    length = DnsResponseWriter.WriteBlocked(request, query, _options.Action, _blockPageV4, _blockPageV6, ExtendedDnsError.Censored, blocked.ExtraText, NegativeSoa(policy), response);
                    return DnsDisposition.Answered;
                }

                cached?.UnblockedIn = epoch;
            }
        }

        length = cached?.CopyTo(response, query.Id, now) ?? 0;
        if (length > 0)
        {
            _metrics.CacheHit();
            length = EnforceAnswerAddresses(request, query, response, length);
            return DnsDisposition.Answered;
        }

        _metrics.CacheMiss();
        return DnsDisposition.Forward;
    }

    /// <summary>
    /// Applies prefix orders to the addresses an answer resolves to, as an rpz-ip trigger does in a resolver that
    /// follows the RPZ export (response IP address, draft-vixie-dnsop-dns-rpz §4.3): when an A or AAAA record of the
    /// answer section lies in an ordered prefix, the response becomes the blocked answer with an Extended DNS Error
    /// naming that order. Returns the length of what to send. <paramref name="response"/> must already have passed
    /// <see cref="DnsMessageWalker.TryNormalise"/> (cached answers have).
    /// </summary>
    public int EnforceAnswerAddresses(ReadOnlySpan<byte> request, in DnsQuery query, Span<byte> response, int length)
    {
        CompiledPolicy policy = _policy();
        if (query.QuestionClass != DnsConstants.ClassIn || !policy.HasPrefixes)
        {
            return length;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        ReadOnlySpan<byte> message = response[..length];
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[DnsConstants.AnswerCountOffset..]);
        int position = query.QuestionEnd;
        for (int i = 0; i < answers; i++)
        {
            if (DnsName.Skip(message, ref position) != DnsParseStatus.Ok || message.Length < position + 10)
            {
                return length;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[position..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(position + 8)..]);
            position += 10;
            if (message.Length < position + rdLength)
            {
                return length;
            }

            if (@class == DnsConstants.ClassIn && (type == DnsConstants.TypeA && rdLength == 4 || type == DnsConstants.TypeAaaa && rdLength == 16)
                && policy.TryMatchAddress(message.Slice(position, rdLength), now, out _, out PolicyOrder? order))
            {
                BlockedOrder blocked = Blocked(order!);
                DnsMetrics.Blocked(blocked.Counter);
                return DnsResponseWriter.WriteBlocked(request, query, _options.Action, _blockPageV4, _blockPageV6, ExtendedDnsError.Censored, blocked.ExtraText, NegativeSoa(policy), response);
            }

            position += rdLength;
        }

        return length;
    }

    private BlockedOrder Blocked(PolicyOrder order)
    {
        if (_blockedOrders.TryGetValue(order, out BlockedOrder? blocked))
        {
            return blocked;
        }

        byte[] text = DnsResponseWriter.ExtraText(order.Reference, _options.PortalUrl is null ? null : order.PageUrl(_options.PortalUrl));
        blocked = new BlockedOrder(text, _metrics.BlockedCounter(order.Reference));
        _blockedOrders.AddOrUpdate(order, blocked);
        return blocked;
    }
}
