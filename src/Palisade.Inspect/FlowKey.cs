namespace Palisade.Inspect;

/// <summary>One direction of a TCP or UDP flow: protocol, addresses and ports, from sender to receiver.</summary>
internal readonly record struct FlowKey(byte Protocol, bool IsIPv6, UInt128 Source, ushort SourcePort, UInt128 Destination, ushort DestinationPort)
{
    public static FlowKey Of(in Packet packet) => new(packet.Protocol, packet.IsIPv6, packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort);

    public FlowKey Reversed => new(Protocol, IsIPv6, Destination, DestinationPort, Source, SourcePort);
}
