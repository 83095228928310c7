namespace Palisade.Inspect;

/// <summary>What is kept of one flow: its number, the TCP stream of each direction, and for QUIC the client's Initials.</summary>
internal sealed class FlowState(long id)
{
    public long Id { get; } = id;

    /// <summary>TCP, from endpoint A to B.</summary>
    public TcpStream? FromA { get; set; }

    /// <summary>TCP, from endpoint B to A.</summary>
    public TcpStream? FromB { get; set; }

    /// <summary>QUIC: the client's Initial keys and CRYPTO stream.</summary>
    public QuicFlow? Quic { get; set; }

    /// <summary>QUIC: whether the client is endpoint A.</summary>
    public bool QuicClientIsA { get; set; }
}
