using Palisade.Log.Measurements;

namespace Palisade.Probe;

/// <summary>Everything measured for one resource, and what it means.</summary>
public sealed record Measurement
{
    /// <summary>The resource.</summary>
    public required ProbeResource Resource { get; init; }

    /// <summary>When the measurement started.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>How long it took, in seconds.</summary>
    public required double Runtime { get; init; }

    /// <summary>The A and AAAA lookups through the operator's resolver (none for an address URL).</summary>
    public required IReadOnlyList<DnsResult> Queries { get; init; }

    /// <summary>The same lookups through the control resolver.</summary>
    public required IReadOnlyList<DnsResult> ControlQueries { get; init; }

    /// <summary>The fetches from the addresses the operator's resolver gave.</summary>
    public required IReadOnlyList<WebResult> Fetches { get; init; }

    /// <summary>The fetch from the control resolver's first address; null when it gave none.</summary>
    public required WebResult? ControlFetch { get; init; }

    /// <summary>The verdict.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>OONI's <c>blocking</c>: "dns", "tcp_ip", "http-failure", "http-diff", false (null in the JSON when the
    /// control failed).</summary>
    public required string? Blocking { get; init; }

    /// <summary>OONI's <c>accessible</c>; null when the control failed.</summary>
    public required bool? Accessible { get; init; }

    /// <summary>How the user was told (the EDE text, or the 451's <c>blocked-by</c> link); null when not.</summary>
    public string? Attribution { get; init; }

    /// <summary>True when the operator's network answered with a block page: HTTP 451, or a <c>blocked-by</c> link
    /// (RFC 7725).</summary>
    public bool BlockPage { get; init; }

    /// <summary>For an over-blocked resource, the likely cause.</summary>
    public string? Cause { get; init; }
}
