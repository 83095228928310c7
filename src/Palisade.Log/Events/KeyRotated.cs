using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>key.rotated</c>: the key got a new secret; its id, role and authority stay.</summary>
public sealed record KeyRotated : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "key.rotated";

    /// <summary>The key's public id.</summary>
    public required string Key { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
