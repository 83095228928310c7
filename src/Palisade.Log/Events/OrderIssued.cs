using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>order.issued</c>: a new order and its targets.</summary>
public sealed record OrderIssued : OrderEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "order.issued";

    /// <summary>The decision's date, yyyy-MM-dd.</summary>
    public required string DecisionDate { get; init; }

    /// <summary>The law the order rests on.</summary>
    public required string LegalBasis { get; init; }

    /// <summary>A lower-case category token (court-order, csam, malware …).</summary>
    public required string Category { get; init; }

    /// <summary>The body that took the decision.</summary>
    public required string IssuingBody { get; init; }

    /// <summary>The public summary.</summary>
    public required string Summary { get; init; }

    /// <summary>When enforcement starts.</summary>
    public required DateTimeOffset Effective { get; init; }

    /// <summary>When enforcement ends; null (written as null) for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required DateTimeOffset? Expires { get; init; }

    /// <summary>The targets, canonical.</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>Safeguards lifted for some targets; absent when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LoggedOverride>? Overrides { get; init; }

    /// <summary>Foreign orders this order acts on (entries of mirrored foreign logs); absent when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Citation>? Cites { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
