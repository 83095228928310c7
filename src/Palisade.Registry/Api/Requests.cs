namespace Palisade.Registry.Api;

/// <summary>POST /v1/orders.</summary>
public sealed record IssueOrderRequest
{
    /// <summary>The decision number, unique per authority (may hold '/' and non-ASCII letters).</summary>
    public string? Decision { get; init; }

    /// <summary>The decision date, yyyy-MM-dd.</summary>
    public string? DecisionDate { get; init; }

    /// <summary>The law and article the order rests on.</summary>
    public string? LegalBasis { get; init; }

    /// <summary>A lower-case category token such as court-order, csam, malware, phishing, copyright.</summary>
    public string? Category { get; init; }

    /// <summary>The body that took the decision (a court, an agency); defaults to the authority's name.</summary>
    public string? IssuingBody { get; init; }

    /// <summary>A public summary.</summary>
    public string? Summary { get; init; }

    /// <summary>When enforcement starts (RFC 3339).</summary>
    public string? Effective { get; init; }

    /// <summary>When enforcement ends (RFC 3339), or null for no expiry.</summary>
    public string? Expires { get; init; }

    /// <summary>Canonical targets: names, *.patterns, http(s) URLs, IP prefixes.</summary>
    public List<string>? Targets { get; init; }

    /// <summary>Logged overrides for protected targets.</summary>
    public List<TargetOverride>? Overrides { get; init; }

    /// <summary>Foreign orders this order acts on: entries of foreign logs this registry mirrors.</summary>
    public List<CitationRequest>? Cites { get; init; }
}

/// <summary>An explicit, logged override that lets an order cover a protected resource.</summary>
public sealed record TargetOverride
{
    /// <summary>The target, as written in the order.</summary>
    public string? Target { get; init; }

    /// <summary>Why the order must cover it.</summary>
    public string? Justification { get; init; }
}

/// <summary>POST /v1/orders/{authority}/{decision}/amend.</summary>
public sealed record AmendOrderRequest
{
    /// <summary>Targets to add.</summary>
    public List<string>? Add { get; init; }

    /// <summary>Targets to remove.</summary>
    public List<string>? Remove { get; init; }

    /// <summary>A new expiry (RFC 3339).</summary>
    public string? Expires { get; init; }

    /// <summary>Remove the expiry.</summary>
    public bool? RemoveExpiry { get; init; }

    /// <summary>Why the order changes.</summary>
    public string? Reason { get; init; }

    /// <summary>Logged overrides for protected targets being added.</summary>
    public List<TargetOverride>? Overrides { get; init; }
}

/// <summary>POST /v1/orders/{authority}/{decision}/revoke.</summary>
public sealed record RevokeOrderRequest
{
    /// <summary>Why the order is revoked.</summary>
    public string? Reason { get; init; }
}

/// <summary>POST /v1/authorities.</summary>
public sealed record AddAuthorityRequest
{
    /// <summary>The short identifier used in order references: lower-case letters, digits and hyphens.</summary>
    public string? Id { get; init; }

    /// <summary>The authority's name.</summary>
    public string? Name { get; init; }

    /// <summary>Its jurisdiction (an ISO 3166 code or a name).</summary>
    public string? Jurisdiction { get; init; }

    /// <summary>Its public web site.</summary>
    public string? Url { get; init; }
}

/// <summary>POST /v1/keys.</summary>
public sealed record CreateKeyRequest
{
    /// <summary>admin, authority, operator or auditor.</summary>
    public string? Role { get; init; }

    /// <summary>The authority an authority key acts for.</summary>
    public string? Authority { get; init; }
}

/// <summary>A foreign order cited: the origin of the foreign log this registry mirrors, and the index of the entry where
/// the foreign order event starts.</summary>
public sealed record CitationRequest
{
    /// <summary>The foreign log's origin.</summary>
    public string? Origin { get; init; }

    /// <summary>The entry's index.</summary>
    public long? Index { get; init; }
}

/// <summary>POST /v1/operators: registers an operator (admin).</summary>
public sealed record AddOperatorRequest
{
    /// <summary>The operator's id (lower-case letters, digits, hyphens).</summary>
    public string? Id { get; init; }

    /// <summary>Its name.</summary>
    public string? Name { get; init; }

    /// <summary>isp, resolver, search-engine or other.</summary>
    public string? Kind { get; init; }

    /// <summary>Its country.</summary>
    public string? Country { get; init; }

    /// <summary>Its public web site.</summary>
    public string? Url { get; init; }
}

/// <summary>POST /v1/operators/{id}/points: registers an enforcement point and its key (admin).</summary>
public sealed record AddPointRequest
{
    /// <summary>The point's id (lower-case letters, digits, hyphens; unique in the registry).</summary>
    public string? Id { get; init; }

    /// <summary>The point's signed-note verifier key (name+keyid+base64(0x01 || key)).</summary>
    public string? Key { get; init; }
}

/// <summary>POST /v1/witness/logs: a log for this registry to witness.</summary>
public sealed record WitnessLogRequest
{
    /// <summary>The log's origin, the first line of its checkpoints.</summary>
    public string? Origin { get; init; }

    /// <summary>The log's verifier key (name+keyid+base64, type 0x01).</summary>
    public string? Vkey { get; init; }
}

/// <summary>POST /v1/probes: a measurement probe and its key.</summary>
public sealed record AddProbeRequest
{
    /// <summary>The probe's id (lower-case letters, digits, hyphens; unique in the registry).</summary>
    public string? Id { get; init; }

    /// <summary>The network it measures from, "AS…".</summary>
    public string? Asn { get; init; }

    /// <summary>The operator whose network it measures (optional).</summary>
    public string? Operator { get; init; }

    /// <summary>The probe's signed-note verifier key.</summary>
    public string? Key { get; init; }
}

/// <summary>POST /v1/measurements: a probe's signed statement and the measurements it covers (OONI JSON lines, exactly
/// as hashed).</summary>
public sealed record SubmitMeasurementsRequest
{
    /// <summary>The signed <c>palisade-measurements/v1</c> statement.</summary>
    public string? Report { get; init; }

    /// <summary>The measurements, one JSON object per line.</summary>
    public string? Measurements { get; init; }
}
