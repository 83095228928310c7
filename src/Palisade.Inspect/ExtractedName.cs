namespace Palisade.Inspect;

/// <summary>A name read from a capture, with the frame that completed the message it came from. For an HTTP request,
/// <see cref="Url"/> is its http URL (Host and target).</summary>
/// <param name="Frame">The frame number (from 1).</param>
/// <param name="Kind">Where it was read.</param>
/// <param name="Name">The name, lower-cased, as it appears (no IDNA conversion).</param>
/// <param name="Url">For an HTTP request, <c>http://HOST/TARGET</c>; otherwise null.</param>
/// <param name="TimestampTicks">When the frame was captured (ticks since the Unix epoch).</param>
/// <param name="Flow">A number for the flow it came from (the same for every name of one flow; never an address).</param>
public sealed record ExtractedName(long Frame, NameKind Kind, string Name, string? Url, long TimestampTicks, long Flow = 0)
{
    /// <summary>The kind as <c>palisade inspect --names</c> prints it.</summary>
    public static string KindName(NameKind kind) => kind switch
    {
        NameKind.Sni => "sni",
        NameKind.SniOuter => "sni-outer",
        NameKind.QuicSni => "quic-sni",
        NameKind.HttpHost => "http-host",
        _ => "dns-qname",
    };
}
