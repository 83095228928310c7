using System.Net;

namespace Palisade.Probe;

/// <summary>What fetching a URL from one address gave: TCP connect, the TLS handshake (https), the HTTP answer.</summary>
public sealed record WebResult
{
    /// <summary>The address connected to.</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>Null when the connection was made, else OONI's failure string.</summary>
    public string? ConnectFailure { get; init; }

    /// <summary>For https: null when the handshake succeeded, else OONI's failure string.</summary>
    public string? TlsFailure { get; init; }

    /// <summary>The negotiated TLS version (<c>TLSv1.3</c>), for https.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>The server name sent (SNI), for https.</summary>
    public string? ServerName { get; init; }

    /// <summary>Null when a response head arrived, else OONI's failure string (also the connect or TLS failure).</summary>
    public string? HttpFailure { get; init; }

    /// <summary>The response head, when one arrived.</summary>
    public HttpHead? Head { get; init; }

    /// <summary>The body's first bytes (at most <see cref="WebFetcher.MaxBody"/>).</summary>
    public byte[] Body { get; init; } = [];

    /// <summary>True when the body was cut at <see cref="WebFetcher.MaxBody"/>.</summary>
    public bool BodyTruncated { get; init; }

    /// <summary>How long connect, handshake and request took, in seconds from the start of the fetch.</summary>
    public double ConnectSeconds { get; init; }

    /// <summary>When the answer (or the failure) came, in seconds from the start of the fetch.</summary>
    public double HttpSeconds { get; init; }

    /// <summary>The failure of the whole fetch, the first one met; null when an answer came.</summary>
    public string? Failure => ConnectFailure ?? TlsFailure ?? HttpFailure;
}
