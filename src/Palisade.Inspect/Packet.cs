namespace Palisade.Inspect;

/// <summary>A TCP or UDP packet taken apart: the flow it belongs to and its payload (a view of the frame's bytes).</summary>
public ref struct Packet
{
    /// <summary>6 (TCP) or 17 (UDP).</summary>
    public byte Protocol;

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6;

    /// <summary>The source address (IPv4 in the low 32 bits).</summary>
    public UInt128 Source;

    /// <summary>The destination address.</summary>
    public UInt128 Destination;

    /// <summary>The source port.</summary>
    public ushort SourcePort;

    /// <summary>The destination port.</summary>
    public ushort DestinationPort;

    /// <summary>TCP: the sequence number.</summary>
    public uint Sequence;

    /// <summary>TCP: the flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).</summary>
    public byte Flags;

    /// <summary>The transport payload.</summary>
    public ReadOnlySpan<byte> Payload;
}
