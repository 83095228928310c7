using System.Buffers.Binary;

namespace Palisade.Inspect;

/// <summary>
/// Takes a frame apart down to TCP or UDP: the link layer (Ethernet with 802.1Q and QinQ, Linux cooked SLL and SLL2, raw
/// IPv4/IPv6, BSD loopback), IPv4 (options skipped, later fragments left out) and IPv6 (extension headers skipped by
/// their length). Every length is checked before a slice; nothing is allocated.
/// </summary>
public static class PacketDecoder
{
    /// <summary>The link types read (LINKTYPE_ values).</summary>
    public static readonly int[] LinkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

    private const int MaxVlanTags = 8;
    private const int MaxExtensionHeaders = 16;

    /// <summary>Decodes a frame of link type <paramref name="linkType"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DecodeStatus Decode(int linkType, ReadOnlySpan<byte> frame, out Packet packet)
    {
        packet = default;
        ReadOnlySpan<byte> network;
        int version;
        switch (linkType)
        {
            case 1:
                if (frame.Length < 14)
                {
                    return DecodeStatus.Incomplete;
                }

                int etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                int offset = 14;
                for (int tags = 0; etherType is 0x8100 or 0x88A8 or 0x9100; tags++)
                {
                    if (tags == MaxVlanTags || frame.Length < offset + 4)
                    {
                        return tags == MaxVlanTags ? DecodeStatus.Invalid : DecodeStatus.Incomplete;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                    offset += 4;
                }

                if (etherType == 0x8864)
                {
                    // PPPoE session (RFC 2516): 6 bytes, then the PPP protocol (0x0021 IPv4, 0x0057 IPv6).
                    if (frame.Length < offset + 8)
                    {
                        return DecodeStatus.Incomplete;
                    }

                    int ppp = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 6)..]);
                    etherType = ppp switch { 0x0021 => 0x0800, 0x0057 => 0x86DD, _ => 0 };
                    offset += 8;
                }

                version = EtherVersion(etherType);
                network = frame[offset..];
                break;
            case 113:
                if (frame.Length < 16)
                {
                    return DecodeStatus.Incomplete;
                }

                version = EtherVersion(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]));
                network = frame[16..];
                break;
            case 276:
                if (frame.Length < 20)
                {
                    return DecodeStatus.Incomplete;
                }

                version = EtherVersion(BinaryPrimitives.ReadUInt16BigEndian(frame));
                network = frame[20..];
                break;
            case 0 or 108:
                if (frame.Length < 4)
                {
                    return DecodeStatus.Incomplete;
                }

                // DLT_NULL: the address family in the capturing host's byte order; DLT_LOOP: big-endian. AF_INET is 2
                // everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the system.
                uint family = linkType == 108 ? BinaryPrimitives.ReadUInt32BigEndian(frame) : Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(frame), BinaryPrimitives.ReadUInt32BigEndian(frame));
                version = family == 2 ? 4 : family is 10 or 24 or 28 or 30 ? 6 : 0;

                network = frame[4..];
                break;
            case 12 or 14 or 101:
                version = frame.IsEmpty ? 0 : frame[0] >> 4;

                network = frame;
                break;
            case 228:
                version = 4;

                network = frame;
                break;
            case 229:
                version = 6;

                network = frame;
                break;
            default:
                return DecodeStatus.Unsupported;
        }

        return version switch
        {
            4 => DecodeIPv4(network, ref packet),
            6 => DecodeIPv6(network, ref packet),
            _ => DecodeStatus.Unsupported,
        };
    }

    private static int EtherVersion(int etherType) => etherType switch
    {
        0x0800 => 4,
        0x86DD => 6,
        _ => 0,
    };

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static DecodeStatus DecodeIPv4(ReadOnlySpan<byte> ip, ref Packet packet, int depth = 0)
    {
        if (ip.Length < 20)
        {
            return DecodeStatus.Incomplete;
        }

        int headerLength = (ip[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ip[0] >> 4 != 4 || headerLength < 20 || totalLength < headerLength)
        {
            return DecodeStatus.Invalid;
        }

        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x1FFF) != 0 || (fragment & 0x2000) != 0)
        {
            return DecodeStatus.Unsupported;
        }

        if (ip.Length < headerLength)
        {
            return DecodeStatus.Incomplete;
        }

        packet.IsIPv6 = false;
        packet.SourceHigh = 0;
        packet.SourceLow = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        packet.DestinationHigh = 0;
        packet.DestinationLow = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);

        // Ethernet pads short frames: the IP total length says where the packet ends. A truncated capture keeps less.
        return DecodeTransport(ip[9], ip[headerLength..Math.Min(ip.Length, totalLength)], ref packet, depth);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static DecodeStatus DecodeIPv6(ReadOnlySpan<byte> ip, ref Packet packet, int depth = 0)
    {
        if (ip.Length < 40)
        {
            return DecodeStatus.Incomplete;
        }

        if (ip[0] >> 4 != 6)
        {
            return DecodeStatus.Invalid;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        byte next = ip[6];
        packet.IsIPv6 = true;
        packet.SourceHigh = BinaryPrimitives.ReadUInt64BigEndian(ip[8..]);
        packet.SourceLow = BinaryPrimitives.ReadUInt64BigEndian(ip[16..]);
        packet.DestinationHigh = BinaryPrimitives.ReadUInt64BigEndian(ip[24..]);
        packet.DestinationLow = BinaryPrimitives.ReadUInt64BigEndian(ip[32..]);
        ReadOnlySpan<byte> rest = ip[40..Math.Min(ip.Length, 40 + payloadLength)];
        for (int headers = 0; next is 0 or 43 or 44 or 51 or 60; headers++)
        {
            if (headers == MaxExtensionHeaders || rest.Length < 8)
            {
                return headers == MaxExtensionHeaders ? DecodeStatus.Invalid : DecodeStatus.Incomplete;
            }

            if (next == 44)
            {
                // A fragment: only a whole datagram (offset 0, no more fragments) is read.
                ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                if ((fragment & 0xFFF9) != 0)
                {
                    return DecodeStatus.Unsupported;
                }

                next = rest[0];

                rest = rest[8..];
                continue;
            }

            int length = next == 51 ? (rest[1] + 2) * 4 : (rest[1] + 1) * 8;
            if (rest.Length < length)
            {
                return DecodeStatus.Incomplete;
            }

            next = rest[0];

            rest = rest[length..];
        }

        return DecodeTransport(next, rest, ref packet, depth);
    }

    /// <summary>GTP-U (3GPP TS 29.281) carries users' IP packets between mobile network nodes on UDP port 2152: a G-PDU's
    /// payload is an IP packet, read as if captured alone.</summary>
    private static DecodeStatus DecodeGtp(ReadOnlySpan<byte> gtp, ref Packet packet, int depth)
    {
        if (gtp.Length < 8 || (gtp[0] >> 5) != 1 || gtp[1] != 0xFF || depth > 0)
        {
            return DecodeStatus.Unsupported;
        }

        int offset = 8;
        if ((gtp[0] & 0x07) != 0)
        {
            // Sequence number, N-PDU number and next extension header type, then the extension headers (length in 4 bytes).
            if (gtp.Length < 12)
            {
                return DecodeStatus.Incomplete;
            }

            byte next = gtp[11];
            offset = 12;
            for (int headers = 0; next != 0; headers++)
            {
                if (headers == MaxExtensionHeaders || offset >= gtp.Length || gtp[offset] == 0)
                {
                    return DecodeStatus.Invalid;
                }

                int length = gtp[offset] * 4;
                if (offset + length > gtp.Length)
                {
                    return DecodeStatus.Incomplete;
                }

                next = gtp[offset + length - 1];
                offset += length;
            }
        }

        ReadOnlySpan<byte> inner = gtp[offset..];
        return inner.IsEmpty ? DecodeStatus.Unsupported : (inner[0] >> 4) switch
        {
            4 => DecodeIPv4(inner, ref packet, depth + 1),
            6 => DecodeIPv6(inner, ref packet, depth + 1),
            _ => DecodeStatus.Unsupported,
        };
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static DecodeStatus DecodeTransport(byte protocol, ReadOnlySpan<byte> segment, ref Packet packet, int depth)
    {
        packet.Protocol = protocol;
        if (protocol == 6)
        {
            if (segment.Length < 20)
            {
                return DecodeStatus.Incomplete;
            }

            int dataOffset = (segment[12] >> 4) * 4;
            if (dataOffset < 20)
            {
                return DecodeStatus.Invalid;
            }

            if (segment.Length < dataOffset)
            {
                return DecodeStatus.Incomplete;
            }

            packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
            packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
            packet.Sequence = BinaryPrimitives.ReadUInt32BigEndian(segment[4..]);
            packet.Flags = segment[13];
            packet.Payload = segment[dataOffset..];
            return DecodeStatus.Ok;
        }

        if (protocol == 17)
        {
            if (segment.Length < 8)
            {
                return DecodeStatus.Incomplete;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
            if (length < 8)
            {
                return DecodeStatus.Invalid;
            }

            packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
            packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
            packet.Payload = segment[8..Math.Min(segment.Length, length)];
            Packet inner = default;
            if ((packet.SourcePort == 2152 || packet.DestinationPort == 2152) && DecodeGtp(packet.Payload, ref inner, depth) is DecodeStatus.Ok)
            {
                packet = inner;
            }

            return DecodeStatus.Ok;
        }

        return DecodeStatus.Unsupported;
    }
}
