using System.Text.Json.Serialization;

namespace Palisade.Core.Events;

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
