using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>An event of one order: issued, amended or revoked.</summary>
public abstract record OrderEvent : LogEvent
{
    /// <summary>The issuing authority's id.</summary>
    public required string Authority { get; init; }

    /// <summary>The decision number.</summary>
    public required string Decision { get; init; }

    /// <summary>The order's reference.</summary>
    [JsonIgnore]
    public OrderReference Reference => new(Authority, Decision);
}
