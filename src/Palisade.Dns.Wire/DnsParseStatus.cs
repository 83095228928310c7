namespace Palisade.Dns.Wire;

/// <summary>The outcome of reading a DNS message.</summary>
public enum DnsParseStatus
{
    /// <summary>The message was read.</summary>
    Ok,

    /// <summary>The message ends before what its header announces (a truncated datagram or a short TCP read).</summary>
    Incomplete,

    /// <summary>The message is malformed (a bad label, a pointer loop, a count that cannot be right).</summary>
    Invalid,
}
