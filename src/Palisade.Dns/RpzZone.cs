using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Core;
using Palisade.Core.Formats;
using Palisade.Core.Policy;

namespace Palisade.Dns;

/// <summary>
/// The enforced policy as a response policy zone (draft-vixie-dnsop-dns-rpz) for existing resolvers: served by AXFR
/// (RFC 5936) and IXFR (RFC 1995) on the DNS server's TCP port, with NOTIFY (RFC 1996) to the configured secondaries
/// when a new version is swapped in. The serial is the registry version. Names and patterns are QNAME triggers, prefixes
/// rpz-ip triggers, all answering NXDOMAIN (<c>CNAME .</c>); URLs have no DNS form and are left out. A version's zone
/// holds the entries in force at the time of its last log event, so each serial has one content.
/// </summary>
public sealed partial class RpzZone
{
    /// <summary>Incremental histories kept for IXFR; an older serial gets the full zone.</summary>
    public const int MaxHistory = 64;

    /// <summary>TTL of the zone's records.</summary>
    public const uint Ttl = 300;

    private const int MessageBudget = 16 * 1024;

    private readonly string _zone;
    private readonly ILogger _logger;
    private readonly List<Change> _history = [];
    private readonly object _gate = new();
    private Snapshot _current = new(0, []);

    /// <summary>Creates the zone <paramref name="zone"/> (such as rpz.palisade).</summary>
    public RpzZone(string zone, ILogger? logger = null)
    {
        _zone = zone.TrimEnd('.').ToLowerInvariant();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The zone's name.</summary>
    public string Name => _zone;

    /// <summary>The current serial (the registry version; 0 before the first).</summary>
    public uint Serial => Volatile.Read(ref _current).Serial;

    /// <summary>Where NOTIFY goes when the serial changes (the secondaries' addresses).</summary>
    public IList<IPEndPoint> NotifyTargets { get; } = [];

    /// <summary>The zone's trigger owner names (relative to the zone), sorted.</summary>
    public IReadOnlyList<string> Triggers => Volatile.Read(ref _current).Triggers;

    /// <summary>Replaces the zone's content with a new version's and notifies the secondaries.</summary>
    public void Update(CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var triggers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (BundleEntry entry in policy.Bundle.Entries)
        {
            if (!entry.Order.IsActiveAt(policy.Bundle.LogTimeMs))
            {
                continue;
            }

            string? owner = OrderTarget.KindOfCanonical(entry.Target) switch
            {
                TargetKind.Domain or TargetKind.Pattern => entry.Target,
                TargetKind.Prefix => PolicyExporter.RpzIpOwner(IpPrefix.Parse(entry.Target)),
                _ => null,
            };
            if (owner is not null)
            {
                triggers.Add(owner);
            }
        }

        var next = new Snapshot((uint)policy.Version, [.. triggers]);
        lock (_gate)
        {
            Snapshot previous = _current;
            if (next.Serial == previous.Serial)
            {
                return;
            }

            var before = new HashSet<string>(previous.Triggers, StringComparer.Ordinal);
            _history.Add(new Change(previous.Serial, next.Serial,
                [.. previous.Triggers.Where(t => !triggers.Contains(t))], [.. next.Triggers.Where(t => !before.Contains(t))]));
            if (_history.Count > MaxHistory)
            {
                _history.RemoveAt(0);
            }

            Volatile.Write(ref _current, next);
        }

        LogUpdated(_logger, _zone, next.Serial, next.Triggers.Length);
        if (NotifyTargets.Count > 0)
        {
            _ = NotifyAsync(next.Serial);
        }
    }

    /// <summary>Answers an AXFR or IXFR for this zone on a TCP connection; false when the query is for another name.</summary>
    internal async Task<bool> TransferAsync(byte[] request, DnsQuery query, string name, Socket connection, CancellationToken cancellationToken)
    {
        if (!string.Equals(name, _zone, StringComparison.Ordinal) || query.QuestionClass != DnsConstants.ClassIn)
        {
            return false;
        }

        Snapshot current = Volatile.Read(ref _current);
        List<Change>? chain = null;
        if (query.QuestionType == DnsConstants.TypeIxfr && ClientSerial(request, query) is { } client)
        {
            chain = Chain(client, current.Serial);
        }

        var messages = new TransferWriter(request, query, _zone);
        if (chain is { Count: 0 })
        {
            // RFC 1995 §4: a client that is up to date gets the current SOA alone.
            messages.Soa(current.Serial);
        }
        else if (chain is not null)
        {
            // RFC 1995 §4: the new SOA, then per change the old SOA, deletions, the new SOA, additions; the new SOA last.
            messages.Soa(current.Serial);
            foreach (Change change in chain)
            {
                messages.Soa(change.From);
                change.Removed.ForEach(messages.Trigger);
                messages.Soa(change.To);
                change.Added.ForEach(messages.Trigger);
            }

            messages.Soa(current.Serial);
        }
        else
        {
            // AXFR (RFC 5936 §2.2), also the answer to an IXFR from a serial too old to chain from.
            messages.Soa(current.Serial);
            messages.Record(_zone, DnsConstants.TypeNs, [9, (byte)'l', (byte)'o', (byte)'c', (byte)'a', (byte)'l', (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0]);
            foreach (string trigger in current.Triggers)
            {
                messages.Trigger(trigger);
            }

            messages.Soa(current.Serial);
        }

        foreach (byte[] message in messages.Finish())
        {
            byte[] framed = new byte[message.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
            message.CopyTo(framed, 2);
            await connection.SendAsync(framed, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        LogTransfer(_logger, query.QuestionType == DnsConstants.TypeIxfr ? (chain is null ? "IXFR (as full zone)" : "IXFR") : "AXFR", _zone, current.Serial);
        return true;
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
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], (ushort)(DnsConstants.FlagQr | DnsConstants.FlagAa | (query.Flags & DnsConstants.FlagRd)));
        response[6..12].Clear();
        int position = query.QuestionEnd;
        Span<byte> soa = response[position..];
        BinaryPrimitives.WriteUInt16BigEndian(soa, 0xC000 | DnsConstants.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(soa[2..], DnsConstants.TypeSoa);
        BinaryPrimitives.WriteUInt16BigEndian(soa[4..], DnsConstants.ClassIn);
        BinaryPrimitives.WriteUInt32BigEndian(soa[6..], Ttl);
        int rdata = WriteSoaData(soa[12..], Serial);
        BinaryPrimitives.WriteUInt16BigEndian(soa[10..], (ushort)rdata);
        position += 12 + rdata;

        // The SOA answers a SOA query; for other types it goes in the authority section of a NODATA answer (RFC 2308 §2.2).
        BinaryPrimitives.WriteUInt16BigEndian(response[(query.QuestionType == DnsConstants.TypeSoa ? 6 : 8)..], 1);
        return position;
    }

    private static int WriteSoaData(Span<byte> destination, uint serial)
    {
        int position = DnsName.Write("localhost", destination);
        position += DnsName.Write("hostmaster.localhost", destination[position..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], serial);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 4)..], 3600);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 8)..], 600);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 12)..], 604800);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 16)..], Ttl);
        return position + 20;
    }

    /// <summary>The changes leading from <paramref name="from"/> to <paramref name="to"/>, or null; empty when equal.</summary>
    private List<Change>? Chain(uint from, uint to)
    {
        if (from == to)
        {
            return [];
        }

        lock (_gate)
        {
            int start = _history.FindIndex(c => c.From == from);
            if (start < 0)
            {
                return null;
            }

            List<Change> chain = _history[start..];
            return chain[^1].To == to ? chain : null;
        }
    }

    /// <summary>The serial in the SOA of an IXFR query's authority section (RFC 1995 §3).</summary>
    private static uint? ClientSerial(ReadOnlySpan<byte> request, in DnsQuery query)
    {
        if (BinaryPrimitives.ReadUInt16BigEndian(request[8..]) < 1)
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

    /// <summary>Sends NOTIFY for the zone to every target over UDP, retrying until each answers (RFC 1996 §3.6).</summary>
    private async Task NotifyAsync(uint serial)
    {
        byte[] message = new byte[DnsConstants.HeaderLength + DnsName.WireLength(_zone) + 4];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)Random.Shared.Next(65536));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (DnsConstants.OpcodeNotify << 11) | DnsConstants.FlagAa);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1);
        int position = DnsConstants.HeaderLength + DnsName.Write(_zone, message.AsSpan(DnsConstants.HeaderLength));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position), DnsConstants.TypeSoa);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(position + 2), DnsConstants.ClassIn);
        foreach (IPEndPoint target in NotifyTargets)
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(target);
            byte[] answer = new byte[512];
            for (int attempt = 0; attempt < 5; attempt++)
            {
                try
                {
                    await socket.SendAsync(message, SocketFlags.None).ConfigureAwait(false);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1 << attempt));
                    int received = await socket.ReceiveAsync(answer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (received >= 2 && answer[0] == message[0] && answer[1] == message[1])
                    {
                        LogNotified(_logger, target, _zone, serial);
                        break;
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                }
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "RPZ zone {Zone} serial {Serial}: {Triggers} triggers")]
    private static partial void LogUpdated(ILogger logger, string zone, uint serial, int triggers);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "{Kind} of {Zone} at serial {Serial}")]
    private static partial void LogTransfer(ILogger logger, string kind, string zone, uint serial);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "NOTIFY for {Zone} serial {Serial} acknowledged by {Target}")]
    private static partial void LogNotified(ILogger logger, IPEndPoint target, string zone, uint serial);

    private sealed record Snapshot(uint Serial, string[] Triggers);

    private sealed record Change(uint From, uint To, List<string> Removed, List<string> Added);

    /// <summary>Builds the transfer's messages: each repeats the question and holds records up to a size budget.</summary>
    private sealed class TransferWriter(byte[] request, DnsQuery query, string zone)
    {
        private readonly List<byte[]> _messages = [];
        private readonly MemoryStream _records = new();
        private int _count;

        public void Soa(uint serial)
        {
            Span<byte> rdata = stackalloc byte[64];
            Record(zone, DnsConstants.TypeSoa, rdata[..WriteSoaData(rdata, serial)]);
        }

        /// <summary>A trigger: owner under the zone, CNAME to the root (NXDOMAIN).</summary>
        public void Trigger(string owner) => Record(owner + "." + zone, DnsConstants.TypeCname, [0]);

        public void Record(string owner, ushort type, ReadOnlySpan<byte> rdata)
        {
            Span<byte> header = stackalloc byte[DnsConstants.MaxNameLength + 10];
            int length = DnsName.Write(owner, header);
            BinaryPrimitives.WriteUInt16BigEndian(header[length..], type);
            BinaryPrimitives.WriteUInt16BigEndian(header[(length + 2)..], DnsConstants.ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(header[(length + 4)..], Ttl);
            BinaryPrimitives.WriteUInt16BigEndian(header[(length + 8)..], (ushort)rdata.Length);
            if (_records.Length + length + 10 + rdata.Length > MessageBudget)
            {
                Flush();
            }

            _records.Write(header[..(length + 10)]);
            _records.Write(rdata);
            _count++;
        }

        public List<byte[]> Finish()
        {
            Flush();
            return _messages;
        }

        private void Flush()
        {
            if (_count == 0)
            {
                return;
            }

            byte[] message = new byte[query.QuestionEnd + _records.Length];
            request.AsSpan(0, query.QuestionEnd).CopyTo(message);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), DnsConstants.FlagQr | DnsConstants.FlagAa);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(6), (ushort)_count);
            message.AsSpan(8, 4).Clear();
            _records.GetBuffer().AsSpan(0, (int)_records.Length).CopyTo(message.AsSpan(query.QuestionEnd));
            _messages.Add(message);
            _records.SetLength(0);
            _count = 0;
        }
    }
}
