using System.Buffers.Binary;

namespace Palisade.Inspect;

/// <summary>
/// Reads the names a capture's traffic carries in the clear: the TLS ClientHello's server name (over TCP, reassembled
/// across segments and records), the QUIC Initial's (decrypted with the public Initial keys, CRYPTO frames gathered
/// across packets), the HTTP/1.x request's Host, and DNS query names (UDP and TCP). Each name comes with the frame that
/// completed its message. Flows and the bytes held per flow are bounded; a flow that never completes gives nothing
/// (it is counted, never guessed). No address is kept beyond the flow table.
/// </summary>
public sealed class NameExtractor : IDisposable
{
    /// <summary>Most flows (each direction of TCP, each QUIC client) followed at once; the oldest is let go beyond it.</summary>
    public const int MaxFlows = 65_536;

    /// <summary>Most bytes held for one direction of a TCP flow, or one QUIC CRYPTO stream.</summary>
    public const int MaxStreamBytes = 64 * 1024;

    /// <summary>Most segments held for one TCP direction while waiting for a gap to fill.</summary>
    public const int MaxEarlySegments = 64;

    /// <summary>Bytes of another protocol read on a TCP direction, waiting for it to switch to TLS (STARTTLS), before it
    /// is let go.</summary>
    public const int MaxUnrecognizedBytes = 16 * 1024;

    /// <summary>TLS record length bound (RFC 8446 §5.1: 2^14, plus expansion).</summary>
    private const int MaxRecordLength = 18_432;

    private readonly Dictionary<FlowKey, FlowState> _flows = [];
    private readonly Queue<FlowKey> _order = new();
    private readonly List<string> _dnsNames = [];
    private readonly Action<ExtractedName> _report;
    private long _currentFlow;
    private long _nextFlow;

    /// <summary>Calls <paramref name="found"/> for each name, in frame order.</summary>
    public NameExtractor(Action<ExtractedName> found)
    {
        _report = found;
    }

    /// <summary>Frames read.</summary>
    public long Frames { get; private set; }

    /// <summary>TCP directions given up because they held more than the bounds allow before completing a message.</summary>
    public long Incomplete { get; private set; }

    /// <summary>Flows let go because the table was full.</summary>
    public long Evicted { get; private set; }

    /// <summary>Reads one frame.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Add(in CaptureFrame frame)
    {
        Frames++;
        if (PacketDecoder.Decode(frame.LinkType, frame.Data.Span, out Packet packet) != DecodeStatus.Ok)
        {
            return;
        }

        var key = FlowKey.Of(packet, out bool fromA);
        if (packet.Protocol == 6)
        {
            AddTcp(frame, packet, key, fromA);
        }
        else
        {
            AddUdp(frame, packet, key, fromA);
        }
    }

    /// <summary>The flow's state, made when <paramref name="create"/>; null otherwise when it is not followed.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private FlowState? Flow(FlowKey key, bool create)
    {
        if (_flows.TryGetValue(key, out FlowState? state))
        {
            _currentFlow = state.Id;
            return state;
        }

        if (!create)
        {
            return null;
        }

        state = new FlowState(++_nextFlow);
        _currentFlow = state.Id;
        _flows[key] = state;
        _order.Enqueue(key);
        while (_order.Count > MaxFlows)
        {
            FlowKey oldest = _order.Dequeue();
            if (_flows.Remove(oldest, out FlowState? evicted))
            {
                Evicted++;
                evicted.Quic?.Dispose();
            }
        }

        return state;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (FlowState flow in _flows.Values)
        {
            flow.Quic?.Dispose();
        }

        _flows.Clear();
    }

    private void Found(ExtractedName name) => _report(name with { Flow = _currentFlow });

    private static bool IsDnsPort(ushort port) => port is 53 or 5353 or 5355;

    private static bool IsSipPort(ushort port) => port is 5060 or 5061;

    /// <summary>SSDP's port (UPnP discovery, HTTP over UDP).</summary>
    private const ushort SsdpPort = 1900;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddUdp(in CaptureFrame frame, in Packet packet, FlowKey key, bool fromA)
    {
        ReadOnlySpan<byte> payload = packet.Payload;
        if (IsDnsPort(packet.SourcePort) || IsDnsPort(packet.DestinationPort))
        {
            _currentFlow = Flow(key, create: true)!.Id;
            _dnsNames.Clear();
            DnsQuestions.TryRead(payload, _dnsNames);
            foreach (string name in _dnsNames)
            {
                Found(new ExtractedName(frame.Number, NameKind.DnsQname, name, null, frame.TimestampTicks));
            }

            return;
        }

        // QUIC: the long-header packets of the datagram, coalesced one after another.
        bool quic = false;
        while (payload.Length > 0 && (payload[0] & 0xC0) == 0xC0)
        {
            if (QuicInitial.ReadHeader(payload, out uint version, out ReadOnlySpan<byte> destinationId, out bool initial, out int length) != DecodeStatus.Ok)
            {
                break;
            }

            quic = true;

            if (initial)
            {
                FlowState state = Flow(key, create: true)!;
                if (state.Quic is null || state.QuicClientIsA == fromA)
                {
                    OpenInitial(frame, state, fromA, version, destinationId, payload[..length]);
                }
            }

            payload = payload[length..];
        }

        // SSDP (HTTP over UDP on 1900: M-SEARCH and NOTIFY with a HOST header), read as tshark reads it.
        if (!quic && (packet.SourcePort == SsdpPort || packet.DestinationPort == SsdpPort) && HttpRequestHead.LooksLikeRequest(packet.Payload)
            && HttpRequestHead.TryRead(packet.Payload, out string? ssdpHost, out _, out _) == DecodeStatus.Ok && ssdpHost is not null)
        {
            _currentFlow = Flow(key, create: true)!.Id;
            Found(new ExtractedName(frame.Number, NameKind.HttpHost, ssdpHost, null, frame.TimestampTicks));
            return;
        }

        // A DNS query on another port (DNSCrypt certificates on 443, resolvers on odd ports), read as tshark's
        // heuristic reads it, except on ports whose own protocols look like DNS (NetBIOS names, mDNS-like discovery).
        if (!quic && !IsNotDnsPort(packet.SourcePort) && !IsNotDnsPort(packet.DestinationPort) && DnsQuestions.LooksLikeQuery(packet.Payload))
        {
            _currentFlow = Flow(key, create: true)!.Id;
            _dnsNames.Clear();
            DnsQuestions.TryRead(packet.Payload, _dnsNames);
            foreach (string name in _dnsNames)
            {
                Found(new ExtractedName(frame.Number, NameKind.DnsQname, name, null, frame.TimestampTicks));
            }
        }
    }

    /// <summary>UDP ports whose protocols tshark reads by port, some of them shaped like DNS (NetBIOS name service and
    /// datagrams, DHCP, NTP, SNMP, SSDP, SIP, STUN, IKE).</summary>
    private static bool IsNotDnsPort(ushort port) => port is 67 or 68 or 123 or 137 or 138 or 161 or 162 or 500 or 1900 or 3478 or 4500 or 5060 or 5061;

    private void OpenInitial(in CaptureFrame frame, FlowState state, bool fromA, uint version, ReadOnlySpan<byte> destinationId, ReadOnlySpan<byte> packet)
    {
        QuicFlow? flow = state.Quic;
        if (flow is { Done: true })
        {
            return;
        }

        QuicFlow? opened = null;
        void Crypto(ulong offset, ReadOnlySpan<byte> data) => (opened ?? flow)!.Add(offset, data);
        if (flow is not null && flow.Keys.Version == version && flow.Keys.TryOpen(packet, Crypto))
        {
            opened = flow;
        }
        else if (QuicInitial.ForClient(version, destinationId) is { } keys)
        {
            // The client's first Initial of a connection (or of a new connection on the same ports).
            var fresh = new QuicFlow(keys);
            opened = fresh;
            if (!keys.TryOpen(packet, Crypto))
            {
                fresh.Dispose();
                return;
            }

            flow?.Dispose();
            state.Quic = fresh;
            state.QuicClientIsA = fromA;
        }
        else
        {
            return;
        }

        ReadOnlySpan<byte> hello = opened.Contiguous();
        if (TlsClientHello.MessageLength(hello, out int messageLength) == DecodeStatus.Ok && hello.Length >= messageLength)
        {
            if (TlsClientHello.TryRead(hello, out string? name, out _) == DecodeStatus.Ok && name is not null)
            {
                Found(new ExtractedName(frame.Number, NameKind.QuicSni, name, null, frame.TimestampTicks));
            }

            opened.Done = true;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddTcp(in CaptureFrame frame, in Packet packet, FlowKey key, bool fromA)
    {
        bool worthKeeping = !packet.Payload.IsEmpty || (packet.Flags & 0x02) != 0;
        if (Flow(key, worthKeeping) is not { } state)
        {
            return;
        }

        TcpStream? stream = fromA ? state.FromA : state.FromB;
        if (stream is null)
        {
            if (!worthKeeping)
            {
                return;
            }

            stream = new TcpStream();
            if (fromA)
            {
                state.FromA = stream;
            }
            else
            {
                state.FromB = stream;
            }
        }

        if (stream.Mode == TcpStream.Content.Done)
        {
            return;
        }

        if ((packet.Flags & 0x02) != 0)
        {
            stream.Synchronize(packet.Sequence);
            return;
        }

        if (!stream.Add(packet.Sequence, packet.Payload))
        {
            Incomplete++;
            stream.Release();
            return;
        }

        Parse(frame, packet.SourcePort, packet.DestinationPort, stream);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Parse(in CaptureFrame frame, ushort sourcePort, ushort destinationPort, TcpStream stream)
    {
        while (stream.Length > 0 && stream.Mode != TcpStream.Content.Done)
        {
            ReadOnlySpan<byte> data = stream.Pending;
            switch (stream.Mode)
            {
                case TcpStream.Content.Unknown:
                    if (IsDnsPort(sourcePort) || IsDnsPort(destinationPort))
                    {
                        stream.Mode = TcpStream.Content.Dns;
                    }
                    else if (data[0] == 0x16)
                    {
                        if (data.Length < 2)
                        {
                            return;
                        }

                        stream.Mode = data[1] == 0x03 ? TcpStream.Content.Tls : TcpStream.Content.Done;
                    }
                    else if (IsSipPort(sourcePort) || IsSipPort(destinationPort))
                    {
                        // SIP's requests look like HTTP's; tshark reads the SIP ports as SIP, and so does this.
                        stream.Mode = TcpStream.Content.Done;
                    }
                    else if (HttpRequestHead.LooksLikeRequest(data))
                    {
                        stream.Mode = TcpStream.Content.Http;
                    }
                    else if (data.Length < 16 && IsRequestPrefix(data))
                    {
                        return;
                    }
                    else if ((stream.Unrecognized += data.Length) > MaxUnrecognizedBytes)
                    {
                        stream.Release();
                    }
                    else
                    {
                        // Another protocol (SMTP, IMAP, FTP …) that may switch to TLS (STARTTLS): look again at the next
                        // bytes, which begin where the peer's next message does.
                        stream.Consume(data.Length);
                    }

                    break;
                case TcpStream.Content.Tls:
                    if (!ReadTls(frame, stream))
                    {
                        return;
                    }

                    break;
                case TcpStream.Content.Http:
                    if (!ReadHttp(frame, stream))
                    {
                        return;
                    }

                    break;
                case TcpStream.Content.Dns:
                    if (data.Length < 2)
                    {
                        return;
                    }

                    int length = BinaryPrimitives.ReadUInt16BigEndian(data);
                    if (data.Length < 2 + length)
                    {
                        return;
                    }

                    _dnsNames.Clear();
                    DnsQuestions.TryRead(data.Slice(2, length), _dnsNames);
                    foreach (string name in _dnsNames)
                    {
                        Found(new ExtractedName(frame.Number, NameKind.DnsQname, name, null, frame.TimestampTicks));
                    }

                    stream.Consume(2 + length);
                    break;
            }
        }
    }

    /// <summary>True when the bytes so far could still grow into a request line.</summary>
    private static bool IsRequestPrefix(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (b is not ((>= (byte)'A' and <= (byte)'Z') or (byte)'-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gathers handshake records until the ClientHello is whole; false when more bytes are needed.</summary>
    private bool ReadTls(in CaptureFrame frame, TcpStream stream)
    {
        ReadOnlySpan<byte> data = stream.Pending;
        if (data.Length < 5)
        {
            return false;
        }

        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
        if (data[0] != 0x16 || data[1] != 0x03 || recordLength > MaxRecordLength)
        {
            stream.Release();
            return true;
        }

        if (data.Length < 5 + recordLength)
        {
            return false;
        }

        (stream.Handshake ??= []).AddRange(data.Slice(5, recordLength));
        stream.Consume(5 + recordLength);
        ReadOnlySpan<byte> handshake = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stream.Handshake);
        DecodeStatus status = TlsClientHello.MessageLength(handshake, out int messageLength);
        if (status == DecodeStatus.Incomplete || (status == DecodeStatus.Ok && handshake.Length < messageLength))
        {
            return true;
        }

        if (status == DecodeStatus.Ok && TlsClientHello.TryRead(handshake, out string? name, out bool outer) == DecodeStatus.Ok && name is not null)
        {
            Found(new ExtractedName(frame.Number, outer ? NameKind.SniOuter : NameKind.Sni, name, null, frame.TimestampTicks));
        }

        stream.Release();
        return true;
    }

    /// <summary>Reads one request head; false when more bytes are needed.</summary>
    private bool ReadHttp(in CaptureFrame frame, TcpStream stream)
    {
        ReadOnlySpan<byte> data = stream.Pending;
        switch (HttpRequestHead.TryRead(data, out string? host, out string? target, out int requestLength))
        {
            case DecodeStatus.Incomplete:
                return false;
            case DecodeStatus.Ok:
                if (host is not null)
                {
                    string? url = target is not null && target.StartsWith('/') ? $"http://{host}{target}" : null;
                    Found(new ExtractedName(frame.Number, NameKind.HttpHost, host, url, frame.TimestampTicks));
                }

                if (requestLength < 0)
                {
                    stream.Release();
                }
                else if (requestLength <= data.Length)
                {
                    stream.Consume(requestLength);
                    stream.Mode = TcpStream.Content.Unknown;
                }
                else
                {
                    stream.Skip = requestLength - data.Length;
                    stream.Consume(data.Length);
                    stream.Mode = TcpStream.Content.Unknown;
                }

                return true;
            default:
                stream.Release();
                return true;
        }
    }
}
