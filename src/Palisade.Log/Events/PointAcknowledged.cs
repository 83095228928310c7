using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>point.acknowledged</c>: an enforcement point's signed statement that it enforces a registry version
/// (the signed note is kept whole, so anyone can check it with the point's key from <c>point.created</c>).</summary>
public sealed record PointAcknowledged : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "point.acknowledged";

    /// <summary>The point.</summary>
    public required string Point { get; init; }

    /// <summary>The version it enforces.</summary>
    public required ulong Version { get; init; }

    /// <summary>The point's signed statement (a signed note, <c>Palisade.Policy.Acknowledgement</c>).</summary>
    public required string Statement { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
