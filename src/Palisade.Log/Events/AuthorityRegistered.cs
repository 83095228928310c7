using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>authority.registered</c>: an authority that may issue orders.</summary>
public sealed record AuthorityRegistered : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "authority.registered";

    /// <summary>The authority.</summary>
    public required AuthorityDetails Authority { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
