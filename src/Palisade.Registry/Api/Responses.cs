namespace Palisade.Registry.Api;

/// <summary>201 answer to POST /v1/orders and the answer to amend and revoke.</summary>
public sealed record OrderEventCreated(string Reference, string Url, string Type, long LogIndex, int Entries, long TreeSize)
{
    /// <summary>Each target of the request as written and as recorded (its canonical form); empty for a revocation.</summary>
    public List<RecordedTarget> Targets { get; init; } = [];
}

/// <summary>One target of a request: the request field that held it, the text as written, the canonical form recorded
/// in the log, and its kind (domain, pattern, url, prefix).</summary>
public sealed record RecordedTarget(string Field, string Written, string Recorded, string Kind);

/// <summary>What an order request would do (<c>?dryRun=true</c>): each target as recorded, the safeguard it hits (and
/// whether the request overrides it), and the orders in force that already cover it; <c>Accepted</c> is false when a
/// safeguard is hit without an override, which would refuse the request.</summary>
public sealed record OrderPreview(string Reference, string Type, List<PreviewTarget> Targets, List<PreviewTarget> Remove, bool Accepted);

/// <summary>One target of a preview.</summary>
public sealed record PreviewTarget(string Field, string Written, string Recorded, string Kind, string? Protection, bool Overridden, List<LookupMatch> CoveredBy);

/// <summary>An authority.</summary>
public sealed record AuthorityView(string Id, string Name, string Jurisdiction, string Url, long LogIndex);

/// <summary>A new API key; the secret is shown only here.</summary>
public sealed record KeyCreated(string Id, string Key, string Role, string? Authority, long LogIndex);

/// <summary>One target of an order.</summary>
public sealed record TargetView(string Kind, string Value);

/// <summary>One log entry of an event with its inclusion proof in the tree of <c>treeSize</c>.</summary>
public sealed record EntryProof(long Index, string? Data, string LeafHash, List<string> Proof);

/// <summary>One event in an order's history.</summary>
public sealed record EventView(string Type, string Time, long LogIndex, List<EntryProof> Entries);

/// <summary>GET /v1/orders/{authority}/{decision}.</summary>
public sealed record OrderView(
    string Reference, string Url, string Authority, string Decision, string DecisionDate, string LegalBasis, string Category,
    string IssuingBody, string Summary, string Effective, string? Expires, string? Revoked, string Status,
    List<TargetView> Targets, long TargetCount, string? TargetsNext, List<EventView> History, long TreeSize, string RootHash, string Checkpoint,
    List<CitationView> Cites)
{
    /// <summary>Per operator: acknowledged when, overdue since when, or pending until its deadline (empty before a
    /// version holds the order, or for a revoked order).</summary>
    public List<OperatorStatus> Operators { get; init; } = [];

    /// <summary>What probes measured: the latest verdict of each resource of the order in each network.</summary>
    public List<MeasurementView> Measured { get; init; } = [];
}

/// <summary>Where one operator stands with one order: the first version that held it, and when the operator
/// acknowledged that version or a later one, or since when it is overdue, or until when it has.</summary>
public sealed record OperatorStatus(string Operator, long Version, string Status, string? Acknowledged, string Deadline);

/// <summary>A foreign order an order acts on: the foreign log's origin, the entry's index, and the foreign order's
/// reference as this registry's mirror of that log knows it (null when it does not mirror the log now).</summary>
public sealed record CitationView(string Origin, long Index, string? Reference);

/// <summary>A page of orders.</summary>
public sealed record OrderSummary(string Reference, string Url, string Authority, string Decision, string Category, string Status, string Effective, int Targets);

/// <summary>GET /v1/orders.</summary>
public sealed record OrderList(List<OrderSummary> Orders, string? Next);

/// <summary>One active order that covers a looked-up resource, and how.</summary>
public sealed record LookupMatch(string Order, string Url, string Authority, string Category, string Target, string TargetKind, string Match);

/// <summary>One URL of POST /v1/delisting/check: whether the version in force delists it, by which orders, its canonical
/// form, or why it is not a URL.</summary>
public sealed record DelistingResult(string Url, bool Delisted, List<string> Orders, string? Canonical, string? Error, long Version);

/// <summary>GET /v1/orders/{authority}/{decision}/notice: what a search engine shows in place of removed results.</summary>
public sealed record NoticeView(string Reference, string Authority, string? AuthorityName, string IssuingBody, string Decision, string DecisionDate,
    string Category, string Summary, string Status, string Page, string Text, string Html);

/// <summary>An operator that enforces the registry's versions, with its enforcement points, and (for one operator) the
/// orders it has not acknowledged within their deadline.</summary>
public sealed record OperatorView(string Id, string Name, string Kind, string Country, string Url, long LogIndex, List<PointView> Points)
{
    /// <summary>Orders past their deadline without an acknowledgement of a version holding them (null in lists).</summary>
    public List<OverdueOrder>? Overdue { get; init; }

    /// <summary>Orders whose deadline has not passed yet and that are not acknowledged (null in lists).</summary>
    public int? Pending { get; init; }

    /// <summary>The latest version minus the latest version any of its points acknowledged (null in lists).</summary>
    public long? Lag { get; init; }

    /// <summary>What the probes in its networks measured (null in lists).</summary>
    public OperatorMeasurements? Measurements { get; init; }
}

/// <summary>An order an operator has not acknowledged in time: the first version that held it, when that was published,
/// and the deadline it missed.</summary>
public sealed record OverdueOrder(string Order, string Category, long Version, string Published, string Deadline);

/// <summary>An enforcement point: its id, the verifier key its acknowledgements are signed with, where it was logged, and
/// the version it last acknowledged (null before the first).</summary>
public sealed record PointView(string Id, string Key, long LogIndex, long? AckedVersion);

/// <summary>POST /v1/acks: the acknowledgement recorded, and where the log holds it.</summary>
public sealed record AckView(string Point, long Version, long LogIndex);

/// <summary>GET /v1/lookup.</summary>
public sealed record LookupResult(string Query, string Kind, string Canonical, string Time, List<LookupMatch> Matches);

/// <summary>GET /v1/log/proof/inclusion.</summary>
public sealed record InclusionProofView(long Index, long TreeSize, string LeafHash, string RootHash, List<string> Proof);

/// <summary>GET /v1/log/proof/consistency.</summary>
public sealed record ConsistencyProofView(long Size1, long Size2, string Root1, string Root2, List<string> Proof);

/// <summary>A measurement probe.</summary>
public sealed record ProbeView(string Id, string? Operator, string Asn, string Key, long LogIndex);

/// <summary>POST /v1/measurements: the batch stored.</summary>
public sealed record ReportView(string Report, string Probe, int Measurements);

/// <summary>The latest measurement of one resource in one network.</summary>
public sealed record MeasurementView(string Input, string Network, string Probe, string? Order, string Verdict, string? Blocking, string? PolicyEntry, string? Cause,
    long Version, string Measured, string Report);

/// <summary>What the probes in an operator's networks measured: the latest verdict of each resource.</summary>
public sealed record OperatorMeasurements(List<string> Networks, int Measured, int Enforced, int EnforcedUnattributed, int NotEnforced, List<MeasurementView> OverBlocked);
