using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>order.amended</c>: targets added or removed, or the expiry changed.</summary>
public sealed record OrderAmended : OrderEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "order.amended";

    /// <summary>Targets added.</summary>
    public required IReadOnlyList<string> Add { get; init; }

    /// <summary>Targets removed.</summary>
    public required IReadOnlyList<string> Remove { get; init; }

    /// <summary>The expiry: absent when unchanged, null when removed, a time when set.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ExpiryChange Expires { get; init; }

    /// <summary>Why; absent when not given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>Safeguards lifted for added targets; absent when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LoggedOverride>? Overrides { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
