using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>key.created</c>: an API key's public id, role and authority — never its secret.</summary>
public sealed record KeyCreated : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "key.created";

    /// <summary>The key's public id.</summary>
    public required string Key { get; init; }

    /// <summary>admin, authority, operator or auditor.</summary>
    public required string Role { get; init; }

    /// <summary>The authority an authority key acts for; null (written as null) for other roles.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Authority { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
