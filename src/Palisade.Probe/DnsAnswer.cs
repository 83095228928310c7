using System.Net;

namespace Palisade.Probe;

/// <summary>What a resolver answered for one question: the response code, the addresses, the CNAME count, and any RFC 8914
/// Extended DNS Errors (code and text).</summary>
/// <param name="Rcode">The response code (with the EDNS extended bits).</param>
/// <param name="Addresses">The A or AAAA records of the answer section, in order.</param>
/// <param name="Cnames">CNAME records in the answer section.</param>
/// <param name="Errors">Extended DNS Errors from the OPT record.</param>
/// <param name="Ttls">The TTL of each address.</param>
public sealed record DnsAnswer(int Rcode, IReadOnlyList<IPAddress> Addresses, int Cnames, IReadOnlyList<(ushort Code, string Text)> Errors, IReadOnlyList<uint> Ttls);
