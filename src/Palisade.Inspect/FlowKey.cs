namespace Palisade.Inspect;

/// <summary>A TCP or UDP flow, both directions in one key: the endpoint that sorts first is A. Hashing and equality are
/// written out, because every frame looks its flow up once.</summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    private readonly UInt128 _a;
    private readonly UInt128 _b;
    private readonly ulong _ports;

    private FlowKey(UInt128 a, ushort portA, UInt128 b, ushort portB, byte protocol, bool ipv6)
    {
        _a = a;
        _b = b;
        _ports = portA | ((ulong)portB << 16) | ((ulong)protocol << 32) | (ipv6 ? 1UL << 40 : 0);
    }

    /// <summary>The flow of a packet, and whether the packet goes from A to B.</summary>
    public static FlowKey Of(in Packet packet, out bool fromA)
    {
        fromA = packet.Source < packet.Destination || (packet.Source == packet.Destination && packet.SourcePort <= packet.DestinationPort);
        return fromA
            ? new FlowKey(packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort, packet.Protocol, packet.IsIPv6)
            : new FlowKey(packet.Destination, packet.DestinationPort, packet.Source, packet.SourcePort, packet.Protocol, packet.IsIPv6);
    }

    public bool Equals(FlowKey other) => _a == other._a && _b == other._b && _ports == other._ports;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode()
    {
        ulong h = ((ulong)_a ^ (ulong)(_a >> 64)) * 0x9E3779B97F4A7C15UL;
        h ^= ((ulong)_b ^ (ulong)(_b >> 64)) * 0xC2B2AE3D27D4EB4FUL;
        h ^= _ports * 0x165667B19E3779F9UL;
        return (int)(h ^ (h >> 32));
    }
}
