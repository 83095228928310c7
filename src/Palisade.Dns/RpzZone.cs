using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Core;
using Palisade.Formats;
using Palisade.Policy;
using Palisade.Dns.Wire;

namespace Palisade.Dns;

/// <summary>
/// The enforced policy as a response policy zone (draft-vixie-dnsop-dns-rpz) for existing resolvers: served by AXFR
/// (RFC 5936) and IXFR (RFC 1995) on the DNS server's TCP port, with NOTIFY (RFC 1996) to the configured secondaries
/// when a new version is swapped in. The serial is the registry version. Names and patterns are QNAME triggers, prefixes
/// rpz-ip triggers, all answering NXDOMAIN (<c>CNAME .</c>); URLs have no DNS form and are left out. A version's zone
/// holds the entries in force at the time of its last log event, so each serial has one content. This type serves the
/// zone (transfers, access, TSIG, the apex); <see cref="RpzContent"/> is a version's content and the change between two,
/// <see cref="RpzHistory"/> the changes kept for IXFR, <see cref="RpzNotifier"/> the NOTIFY messages.
/// </summary>
public sealed partial class RpzZone
{
    /// <summary>Incremental histories kept for IXFR; an older serial gets the full zone.</summary>
    public const int MaxHistory = 64;

    /// <summary>TTL of the zone's records and its SOA minimum: the DNS point's negative TTL (<c>--negative-ttl</c>), so a
    /// resolver following the zone keeps a blocked answer as long as the DNS point's own blocked answers say.</summary>
    public uint Ttl { get; init; } = DnsResponseWriter.SynthesisedTtl;

    /// <summary>Default of the most zone transfers served at once; more wait for none and get SERVFAIL (try later).</summary>
    public const int DefaultMaxConcurrentTransfers = 4;

    /// <summary>Record bytes per transfer message, before its TSIG record.</summary>
    private const int MessageBudget = 16 * 1024;

    /// <summary>How long one message of a transfer may take to leave; a secondary that stops reading loses its transfer.</summary>
    private static readonly TimeSpan s_sendTimeout = TimeSpan.FromSeconds(30);

    private readonly string _zone;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RpzHistory _history = new();
    private readonly object _gate = new();
    private readonly RpzNotifier _notifier;
    private readonly SemaphoreSlim _transfers;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPAddress, RpzSecondaryTransfer> _secondaries = new();
    private RpzContent _current = RpzContent.Empty;

    /// <summary>Creates the zone <paramref name="zone"/> (such as rpz.palisade).</summary>
    /// <param name="zone">The zone's name.</param>
    /// <param name="logger">Where transfers and refusals are logged.</param>
    /// <param name="maxConcurrentTransfers">The most transfers served at once.</param>
    /// <param name="time">The clock TSIG times are checked against.</param>
    public RpzZone(string zone, ILogger? logger = null, int maxConcurrentTransfers = DefaultMaxConcurrentTransfers, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentTransfers, 1);
        _zone = zone.TrimEnd('.').ToLowerInvariant();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _transfers = new SemaphoreSlim(maxConcurrentTransfers, maxConcurrentTransfers);
        _notifier = new RpzNotifier(_zone, NotifyTargets, _logger);
    }

    /// <summary>The addresses allowed to transfer the zone; empty allows none.</summary>
    public IList<IpPrefix> TransferAllowed { get; } = [];

    /// <summary>When set, a transfer also needs a request signed with this key, and every message of the answer is
    /// signed with it (RFC 8945).</summary>
    public TsigKey? TransferKey { get; set; }

    /// <summary>The zone's name.</summary>
    public string Name => _zone;

    /// <summary>The current serial (the registry version; 0 before the first).</summary>
    public uint Serial => Volatile.Read(ref _current).Serial;

    /// <summary>Where NOTIFY goes when the serial changes (the secondaries' addresses).</summary>
    public IList<IPEndPoint> NotifyTargets { get; } = [];

    /// <summary>Replaces the zone's content with a new version's and notifies the secondaries.</summary>
    /// <remarks>Nothing is copied: the zone reads the version's entries. The change from the version before (for IXFR)
    /// comes from the targets the deltas between them touched (<see cref="CompiledPolicy.Changed"/>), or from one walk
    /// over both versions' sorted entries (<see cref="RpzContent.Between"/>); the first version loaded has no change to
    /// record.</remarks>
    public void Update(CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var next = new RpzContent((uint)policy.Version, policy.Bundle);
        lock (_gate)
        {
            RpzContent previous = _current;
            if (next.Serial == previous.Serial)
            {
                return;
            }

            if (previous.Serial != 0)
            {
                _history.Add(RpzContent.Between(previous, next, policy.Changed));
            }

            Volatile.Write(ref _current, next);
        }

        LogUpdated(_logger, _zone, next.Serial, next.Entries);
        if (NotifyTargets.Count > 0)
        {
            _ = _notifier.NotifyAsync(next.Serial, TransferKey, _time);
        }
    }

    /// <summary>
    /// Answers an AXFR or IXFR for this zone on a TCP connection; false when the query is for another name. Only a
    /// client in <see cref="TransferAllowed"/> (and with a valid signature when <see cref="TransferKey"/> is set) gets
    /// the zone; others get REFUSED, or NOTAUTH with the TSIG error. The answer streams from the immutable snapshot,
    /// one message at a time through one buffer, so a transfer costs the same memory whatever the zone's size.
    /// </summary>
    internal async Task<bool> TransferAsync(byte[] request, DnsQuery query, string name, Socket connection, IPAddress client, CancellationToken cancellationToken)
    {
        if (!string.Equals(name, _zone, StringComparison.Ordinal) || query.QuestionClass != DnsConstants.ClassIn)
        {
            return false;
        }

        string kind = query.QuestionType == DnsConstants.TypeIxfr ? "IXFR" : "AXFR";
        byte[] buffer = ArrayPool<byte>.Shared.Rent(2 + DnsConstants.MaxMessageLength);
        try
        {
            long now = _time.GetUtcNow().ToUnixTimeSeconds();
            if (client.IsIPv4MappedToIPv6)
            {
                client = client.MapToIPv4();
            }

            if (!IsAllowed(client))
            {
                LogRefused(_logger, kind, _zone, client, "its address is not allowed to transfer the zone");
                await SendAsync(connection, buffer, WriteError(request, query, DnsConstants.RcodeRefused, buffer), cancellationToken).ConfigureAwait(false);
                return true;
            }

            byte[] requestMac = [];
            if (TransferKey is { } key)
            {
                TsigStatus status = key.Verify(request, query.QuestionEnd, now, out requestMac);
                if (status != TsigStatus.Verified)
                {
                    LogRefused(_logger, kind, _zone, client, $"TSIG {status}");
                    int length = status switch
                    {
                        TsigStatus.Unsigned => WriteError(request, query, DnsConstants.RcodeRefused, buffer),
                        TsigStatus.Malformed => WriteError(request, query, DnsConstants.RcodeFormErr, buffer),
                        TsigStatus.BadTime => key.Sign(buffer.AsSpan(2), WriteError(request, query, DnsConstants.RcodeNotAuth, buffer) - 2, requestMac, first: true, now,
                            query.Id, (ushort)TsigError.BadTime, new byte[64]) + 2,
                        _ => key.AppendError(buffer.AsSpan(2), WriteError(request, query, DnsConstants.RcodeNotAuth, buffer) - 2, now, query.Id,
                            status == TsigStatus.BadKey ? TsigError.BadKey : TsigError.BadSig) + 2,
                    };
                    await SendAsync(connection, buffer, length, cancellationToken).ConfigureAwait(false);
                    return true;
                }
            }

            if (!_transfers.Wait(0))
            {
                LogRefused(_logger, kind, _zone, client, "the most transfers at once are running");
                await SendAsync(connection, buffer, WriteError(request, query, DnsConstants.RcodeServFail, buffer), cancellationToken).ConfigureAwait(false);
                return true;
            }

            try
            {
                RpzContent current = Volatile.Read(ref _current);
                List<RpzChange>? chain = null;
                if (query.QuestionType == DnsConstants.TypeIxfr && ClientSerial(request, query) is { } serial)
                {
                    chain = _history.Chain(serial, current.Serial);
                }

                await StreamAsync(request, query, Records(current, chain), connection, buffer, requestMac, now, cancellationToken).ConfigureAwait(false);
                LogTransfer(_logger, query.QuestionType == DnsConstants.TypeIxfr ? (chain is null ? "IXFR (as full zone)" : "IXFR") : "AXFR", _zone, current.Serial);
                RecordSecondary(client, current.Serial, kind);
            }
            finally
            {
                _transfers.Release();
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The last transfer each configured secondary (a <see cref="NotifyTargets"/> address) completed.</summary>
    public IReadOnlyCollection<RpzSecondaryTransfer> Secondaries => [.. _secondaries.Values];

    /// <summary>Raised after a configured secondary (a <see cref="NotifyTargets"/> address) completes a transfer. Other
    /// clients' transfers are not recorded.</summary>
    public event Action<RpzSecondaryTransfer>? SecondaryTransferred;

    private void RecordSecondary(IPAddress client, uint serial, string kind)
    {
        if (serial == 0 || !NotifyTargets.Any(t => t.Address.Equals(client)))
        {
            return;
        }

        var transfer = new RpzSecondaryTransfer(client, serial, kind, _time.GetUtcNow());
        _secondaries[client] = transfer;
        SecondaryTransferred?.Invoke(transfer);
    }

    private bool IsAllowed(IPAddress client)
    {
        foreach (IpPrefix prefix in TransferAllowed)
        {
            if (prefix.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The records of the answer, in order, generated as they are sent.</summary>
    private static IEnumerable<ZoneRecord> Records(RpzContent current, List<RpzChange>? chain)
    {
        yield return ZoneRecord.Soa(current.Serial);
        if (chain is { Count: 0 })
        {
            // RFC 1995 §4: a client that is up to date gets the current SOA alone.
            yield break;
        }

        if (chain is not null)
        {
            // RFC 1995 §4: the new SOA, then per change the old SOA, deletions, the new SOA, additions; the new SOA last.
            foreach (RpzChange change in chain)
            {
                yield return ZoneRecord.Soa(change.From);
                foreach (string removed in change.Removed)
                {
                    yield return ZoneRecord.Trigger(removed);
                }

                yield return ZoneRecord.Soa(change.To);
                foreach (string added in change.Added)
                {
                    yield return ZoneRecord.Trigger(added);
                }
            }
        }
        else
        {
            // AXFR (RFC 5936 §2.2), also the answer to an IXFR from a serial too old to chain from.
            yield return ZoneRecord.Apex;
            foreach (string trigger in current.Triggers)
            {
                yield return ZoneRecord.Trigger(trigger);
            }
        }

        yield return ZoneRecord.Soa(current.Serial);
    }

    /// <summary>Writes the records into messages of at most <see cref="MessageBudget"/> record bytes, each repeating the
    /// question, and sends each as soon as it is full (signed when a TSIG key is set).</summary>
    private async Task StreamAsync(byte[] request, DnsQuery query, IEnumerable<ZoneRecord> records, Socket connection, byte[] buffer, byte[] requestMac,
        long now, CancellationToken cancellationToken)
    {
        const int Start = 2;
        int recordsStart = Start + query.QuestionEnd;
        request.AsSpan(0, query.QuestionEnd).CopyTo(buffer.AsSpan(Start));
        int position = recordsStart;
        int count = 0;
        bool first = true;
        byte[] mac = requestMac;
        byte[] scratch = new byte[DnsConstants.MaxNameLength + 10 + 64];
        foreach (ZoneRecord record in records)
        {
            int size = WriteRecord(record, scratch);
            if (count > 0 && position + size - recordsStart > MessageBudget)
            {
                // The record does not fit: send the message without it, then start the next one.
                (mac, int length) = FinishMessage(buffer, position, count, mac, first, now, query.Id);
                await SendAsync(connection, buffer, length, cancellationToken).ConfigureAwait(false);
                request.AsSpan(0, query.QuestionEnd).CopyTo(buffer.AsSpan(Start));
                position = recordsStart;
                count = 0;
                first = false;
            }

            scratch.AsSpan(0, size).CopyTo(buffer.AsSpan(position));
            position += size;
            count++;
        }

        (_, int last) = FinishMessage(buffer, position, count, mac, first, now, query.Id);
        await SendAsync(connection, buffer, last, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the header of the message in <paramref name="buffer"/> (after its 2-byte length prefix), signs it
    /// when a key is set, and returns the MAC to chain and the framed length.</summary>
    private (byte[] Mac, int Length) FinishMessage(byte[] buffer, int end, int count, byte[] priorMac, bool first, long now, ushort id)
    {
        Span<byte> message = buffer.AsSpan(2);
        BinaryPrimitives.WriteUInt16BigEndian(message[DnsConstants.FlagsOffset..], DnsConstants.FlagQr | DnsConstants.FlagAa);
        BinaryPrimitives.WriteUInt16BigEndian(message[DnsConstants.QuestionCountOffset..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(message[DnsConstants.AnswerCountOffset..], (ushort)count);
        message[8..12].Clear();
        int length = end - 2;
        byte[] mac = priorMac;
        if (TransferKey is { } key)
        {
            mac = new byte[32];
            length = key.Sign(message, length, priorMac, first, now, id, 0, mac);
        }

        return (mac, length + 2);
    }

    /// <summary>Writes an error answer (after the 2-byte prefix); returns the framed length.</summary>
    private static int WriteError(byte[] request, in DnsQuery query, int rcode, byte[] buffer) =>
        DnsResponseWriter.WriteError(request, query, questionRead: true, rcode, buffer.AsSpan(2)) + 2;

    private static async Task SendAsync(Socket connection, byte[] buffer, int framedLength, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)(framedLength - 2));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_sendTimeout);
        await connection.SendAsync(buffer.AsMemory(0, framedLength), SocketFlags.None, timeout.Token).ConfigureAwait(false);
    }

    private int WriteRecord(ZoneRecord record, Span<byte> destination)
    {
        Span<byte> rdata = stackalloc byte[64];
        (string owner, ushort type, int rdLength) = record.Kind switch
        {
            ZoneRecordKind.Soa => (_zone, DnsConstants.TypeSoa, WriteSoaData(rdata, record.Serial)),
            ZoneRecordKind.Apex => (_zone, DnsConstants.TypeNs, DnsName.Write("localhost", rdata)),
            _ => (record.Owner + "." + _zone, DnsConstants.TypeCname, DnsName.Write("", rdata)),
        };

        int length = DnsName.Write(owner, destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(length + 2)..], DnsConstants.ClassIn);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(length + 4)..], Ttl);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(length + 8)..], (ushort)rdLength);
        rdata[..rdLength].CopyTo(destination[(length + 10)..]);
        return length + 10 + rdLength;
    }

    /// <summary>Answers a query for the zone's apex with authority: its SOA for SOA queries (how secondaries probe the
    /// serial, RFC 1996 §3.11), NODATA for other types; 0 for any other name.</summary>
    internal int AnswerApex(ReadOnlySpan<byte> request, in DnsQuery query, ReadOnlySpan<char> name, Span<byte> response)
    {
        if (!name.SequenceEqual(_zone) || query.QuestionClass != DnsConstants.ClassIn)
        {
            return 0;
        }

        request[..query.QuestionEnd].CopyTo(response);
        BinaryPrimitives.WriteUInt16BigEndian(response[DnsConstants.FlagsOffset..], (ushort)(DnsConstants.FlagQr | DnsConstants.FlagAa | (query.Flags & DnsConstants.FlagRd)));
        response[DnsConstants.AnswerCountOffset..DnsConstants.HeaderLength].Clear();
        int position = query.QuestionEnd;
        Span<byte> soa = response[position..];
        const int Pointer = 2;
        BinaryPrimitives.WriteUInt16BigEndian(soa, 0xC000 | DnsConstants.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(soa[(Pointer + DnsConstants.RecordTypeOffset)..], DnsConstants.TypeSoa);
        BinaryPrimitives.WriteUInt16BigEndian(soa[(Pointer + DnsConstants.RecordClassOffset)..], DnsConstants.ClassIn);
        BinaryPrimitives.WriteUInt32BigEndian(soa[(Pointer + DnsConstants.RecordTtlOffset)..], Ttl);
        int rdata = WriteSoaData(soa[(Pointer + DnsConstants.RecordFixedLength)..], Serial);
        BinaryPrimitives.WriteUInt16BigEndian(soa[(Pointer + DnsConstants.RecordDataLengthOffset)..], (ushort)rdata);
        position += Pointer + DnsConstants.RecordFixedLength + rdata;

        // The SOA answers a SOA query; for other types it goes in the authority section of a NODATA answer (RFC 2308 §2.2).
        BinaryPrimitives.WriteUInt16BigEndian(response[(query.QuestionType == DnsConstants.TypeSoa ? DnsConstants.AnswerCountOffset : DnsConstants.AuthorityCountOffset)..], 1);
        if (TransferKey is not { } key)
        {
            return position;
        }

        // A signed query gets a signed answer (RFC 8945 §5.3): a secondary that has the key signs its SOA probe and
        // refuses an unsigned reply. An unsigned query (the SOA is public) gets an unsigned one; a bad signature NOTAUTH.
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        Span<byte> mac = stackalloc byte[TsigKey.MacLength];
        TsigStatus status = key.Verify(request, query.QuestionEnd, now, out byte[] requestMac);
        return status switch
        {
            TsigStatus.Unsigned => position,
            TsigStatus.Verified => key.Sign(response, position, requestMac, first: true, now, query.Id, 0, mac),
            TsigStatus.Malformed => DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeFormErr, response),
            TsigStatus.BadTime => key.Sign(response, DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeNotAuth, response), requestMac, first: true, now,
                query.Id, (ushort)TsigError.BadTime, mac),
            _ => key.AppendError(response, DnsResponseWriter.WriteError(request, query, questionRead: true, DnsConstants.RcodeNotAuth, response), now, query.Id,
                status == TsigStatus.BadKey ? TsigError.BadKey : TsigError.BadSig),
        };
    }

    private int WriteSoaData(Span<byte> destination, uint serial) => DnsResponseWriter.WriteSoaData(destination, serial, Ttl);

    /// <summary>The serial in the SOA of an IXFR query's authority section (RFC 1995 §3).</summary>
    private static uint? ClientSerial(ReadOnlySpan<byte> request, in DnsQuery query)
    {
        if (BinaryPrimitives.ReadUInt16BigEndian(request[DnsConstants.AuthorityCountOffset..]) < 1)
        {
            return null;
        }

        int position = query.QuestionEnd;
        if (DnsName.Skip(request, ref position) != DnsParseStatus.Ok || request.Length < position + 10
            || BinaryPrimitives.ReadUInt16BigEndian(request[position..]) != DnsConstants.TypeSoa)
        {
            return null;
        }

        position += 10;
        if (DnsName.Skip(request, ref position) != DnsParseStatus.Ok || DnsName.Skip(request, ref position) != DnsParseStatus.Ok || request.Length < position + 4)
        {
            return null;
        }

        return BinaryPrimitives.ReadUInt32BigEndian(request[position..]);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "RPZ zone {Zone} serial {Serial}: triggers from {Entries} entries")]
    private static partial void LogUpdated(ILogger logger, string zone, uint serial, int entries);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "{Kind} of {Zone} at serial {Serial}")]
    private static partial void LogTransfer(ILogger logger, string kind, string zone, uint serial);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "{Kind} of {Zone} refused to {Client}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string kind, string zone, IPAddress client, string reason);

    private enum ZoneRecordKind
    {
        Soa,
        Apex,
        Trigger,
    }

    /// <summary>One record of a transfer: the SOA with a serial, the apex NS, or a trigger (CNAME to the root, NXDOMAIN).</summary>
    private readonly record struct ZoneRecord(ZoneRecordKind Kind, string? Owner, uint Serial)
    {
        public static ZoneRecord Apex => new(ZoneRecordKind.Apex, null, 0);

        public static ZoneRecord Soa(uint serial) => new(ZoneRecordKind.Soa, null, serial);

        public static ZoneRecord Trigger(string owner) => new(ZoneRecordKind.Trigger, owner, 0);
    }
}
