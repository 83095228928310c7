using System.Buffers.Binary;
using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>Captures built byte by byte: pcap of Ethernet/IPv4/TCP frames between two loopback addresses.</summary>
internal static class BuiltCaptures
{
    /// <summary>A pcap file (little-endian, microseconds, Ethernet) of the frames.</summary>
    public static byte[] Pcap(IEnumerable<byte[]> frames)
    {
        var file = new MemoryStream();
        byte[] header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        file.Write(header);
        uint second = 1_700_000_000;
        foreach (byte[] frame in frames)
        {
            byte[] record = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(record, second++);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)frame.Length);
            file.Write(record);
            file.Write(frame);
        }

        return file.ToArray();
    }

    /// <summary>An Ethernet frame of an IPv4 TCP segment from 127.0.0.1:50000 to 127.0.0.2:<paramref name="port"/>.</summary>
    public static byte[] Tcp(uint sequence, byte flags, ReadOnlySpan<byte> payload, ushort port = 443)
    {
        byte[] frame = new byte[14 + 20 + 20 + payload.Length];
        frame[12] = 0x08;
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(40 + payload.Length));
        ip[8] = 64;
        ip[9] = 6;
        (ip[12], ip[15], ip[16], ip[19]) = (127, 1, 127, 2);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~((sum & 0xFFFF) + (sum >> 16)));
        Span<byte> tcp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 50000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        tcp[12] = 0x50;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        payload.CopyTo(tcp[20..]);
        return frame;
    }

    /// <summary>An Ethernet frame of an IPv4 UDP datagram from 127.0.0.1:50000 to 127.0.0.2:<paramref name="port"/>.</summary>
    public static byte[] Udp(ReadOnlySpan<byte> payload, ushort port)
    {
        byte[] frame = new byte[14 + 20 + 8 + payload.Length];
        frame[12] = 0x08;
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(28 + payload.Length));
        ip[8] = 64;
        ip[9] = 17;
        (ip[12], ip[15], ip[16], ip[19]) = (127, 1, 127, 2);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~((sum & 0xFFFF) + (sum >> 16)));
        Span<byte> udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 50000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
        return frame;
    }

    /// <summary>A DNS query (one question, type A, class IN) for a name given as its labels' bytes.</summary>
    public static byte[] DnsQuery(ushort id, params byte[][] labels)
    {
        var message = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (byte[] label in labels)
        {
            message.Add((byte)label.Length);
            message.AddRange(label);
        }

        message.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        return [.. message];
    }

    /// <summary>A TLS record holding a ClientHello that names <paramref name="serverName"/>.</summary>
    public static byte[] ClientHelloRecord(string serverName)
    {
        byte[] name = Encoding.ASCII.GetBytes(serverName);
        var sni = new List<byte>();
        sni.AddRange([0, 0]);
        sni.AddRange(U16(name.Length + 5));
        sni.AddRange(U16(name.Length + 3));
        sni.Add(0);
        sni.AddRange(U16(name.Length));
        sni.AddRange(name);
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);
        body.Add(0);
        body.AddRange([0, 2, 0x13, 0x01]);
        body.AddRange([1, 0]);
        body.AddRange(U16(sni.Count));
        body.AddRange(sni);
        var record = new List<byte> { 0x16, 0x03, 0x01 };
        record.AddRange(U16(body.Count + 4));
        record.AddRange([1, 0, (byte)(body.Count >> 8), (byte)body.Count]);
        record.AddRange(body);
        return [.. record];
    }

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];
}
