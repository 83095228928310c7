namespace Palisade.Inspect;

/// <summary>A TCP or UDP flow, both directions in one key: the endpoint that sorts first is A. Hashing and equality are
/// written out over plain 64-bit words, because every frame looks its flow up once.</summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    private readonly ulong _aHigh;
    private readonly ulong _aLow;
    private readonly ulong _bHigh;
    private readonly ulong _bLow;
    private readonly ulong _ports;

    private FlowKey(ulong aHigh, ulong aLow, ushort portA, ulong bHigh, ulong bLow, ushort portB, byte protocol, bool ipv6)
    {
        _aHigh = aHigh;
        _aLow = aLow;
        _bHigh = bHigh;
        _bLow = bLow;
        _ports = portA | ((ulong)portB << 16) | ((ulong)protocol << 32) | (ipv6 ? 1UL << 40 : 0);
    }

    /// <summary>The flow of a packet, and whether the packet goes from A to B.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static FlowKey Of(in Packet packet, out bool fromA)
    {
        fromA = packet.SourceHigh != packet.DestinationHigh ? packet.SourceHigh < packet.DestinationHigh
            : packet.SourceLow != packet.DestinationLow ? packet.SourceLow < packet.DestinationLow
            : packet.SourcePort <= packet.DestinationPort;
        return fromA
            ? new FlowKey(packet.SourceHigh, packet.SourceLow, packet.SourcePort, packet.DestinationHigh, packet.DestinationLow, packet.DestinationPort, packet.Protocol, packet.IsIPv6)
            : new FlowKey(packet.DestinationHigh, packet.DestinationLow, packet.DestinationPort, packet.SourceHigh, packet.SourceLow, packet.SourcePort, packet.Protocol, packet.IsIPv6);
    }

    public bool Equals(FlowKey other) => _aLow == other._aLow && _bLow == other._bLow && _ports == other._ports && _aHigh == other._aHigh && _bHigh == other._bHigh;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode()
    {
        ulong h = (_aHigh ^ _aLow) * 0x9E3779B97F4A7C15UL;
        h ^= (_bHigh ^ _bLow) * 0xC2B2AE3D27D4EB4FUL;
        h ^= _ports * 0x165667B19E3779F9UL;
        return (int)(h ^ (h >> 32));
    }
}
