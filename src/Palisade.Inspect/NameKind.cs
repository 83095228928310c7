namespace Palisade.Inspect;

/// <summary>Where a name was read.</summary>
public enum NameKind
{
    /// <summary>The server_name of a TLS ClientHello over TCP.</summary>
    Sni,

    /// <summary>The outer server_name of a ClientHello that carries Encrypted Client Hello (the real name is encrypted).</summary>
    SniOuter,

    /// <summary>The server_name of the ClientHello in a QUIC Initial.</summary>
    QuicSni,

    /// <summary>The Host of an HTTP/1.x request.</summary>
    HttpHost,

    /// <summary>A question name of a DNS query.</summary>
    DnsQname,
}
