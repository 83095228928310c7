namespace Palisade.Inspect;

/// <summary>A TCP or UDP packet taken apart: the flow it belongs to and its payload (a view of the frame's bytes).</summary>
public ref struct Packet
{
    /// <summary>6 (TCP) or 17 (UDP).</summary>
    public byte Protocol;

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6;

    /// <summary>The source address's first 64 bits (0 for IPv4).</summary>
    public ulong SourceHigh;

    /// <summary>The source address's last 64 bits (IPv4 in the low 32 bits).</summary>
    public ulong SourceLow;

    /// <summary>The destination address's first 64 bits (0 for IPv4).</summary>
    public ulong DestinationHigh;

    /// <summary>The destination address's last 64 bits (IPv4 in the low 32 bits).</summary>
    public ulong DestinationLow;

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
