namespace Palisade.Probe;

/// <summary>One DNS lookup: the answer, or the failure (OONI's failure strings) when none usable came.</summary>
/// <param name="Name">The name asked.</param>
/// <param name="Type">1 (A) or 28 (AAAA).</param>
/// <param name="Answer">The answer; null on failure.</param>
/// <param name="Failure">Null on an answer (even NXDOMAIN, which <see cref="OoniFailure"/> names), else why none came.</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record DnsResult(string Name, ushort Type, DnsAnswer? Answer, string? Failure, TimeSpan Elapsed)
{
    /// <summary>The failure as OONI writes it for this lookup: <c>dns_nxdomain_error</c>, <c>dns_no_answer</c>,
    /// <c>dns_refused_error</c>, <c>dns_server_failure</c>, the transport's failure, or null for addresses.</summary>
    public string? OoniFailure => Failure ?? Answer!.Rcode switch
    {
        0 when Answer.Addresses.Count == 0 => "dns_no_answer",
        0 => null,
        2 => "dns_server_failure",
        3 => "dns_nxdomain_error",
        5 => "dns_refused_error",
        _ => "dns_bogus_response",
    };
}
