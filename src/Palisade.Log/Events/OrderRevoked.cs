using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>order.revoked</c>: the order is no longer enforced.</summary>
public sealed record OrderRevoked : OrderEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "order.revoked";

    /// <summary>Why; absent when not given.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
