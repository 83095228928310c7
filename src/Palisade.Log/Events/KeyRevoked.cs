using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>key.revoked</c>: the key no longer authenticates.</summary>
public sealed record KeyRevoked : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "key.revoked";

    /// <summary>The key's public id.</summary>
    public required string Key { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
