namespace Palisade.Dns.Wire;

/// <summary>INFO-CODEs of RFC 8914 §4 that say why an answer was filtered.</summary>
public enum ExtendedDnsError : ushort
{
    /// <summary>15: blocked by a policy of the operator (its own lists).</summary>
    Blocked = 15,

    /// <summary>16: censored because of an external requirement (an authority's order).</summary>
    Censored = 16,

    /// <summary>17: filtered at the client's request.</summary>
    Filtered = 17,
}
