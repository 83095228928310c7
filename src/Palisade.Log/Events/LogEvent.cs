using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>
/// One event of the registry's log. Each kind is a record; <see cref="LogEvents"/> turns them into RFC 8785 canonical
/// JSON only at the log boundary and reads them back strictly (every member known, required members present).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(AuthorityRegistered), AuthorityRegistered.TypeName)]
[JsonDerivedType(typeof(KeyCreated), KeyCreated.TypeName)]
[JsonDerivedType(typeof(KeyRotated), KeyRotated.TypeName)]
[JsonDerivedType(typeof(KeyRevoked), KeyRevoked.TypeName)]
[JsonDerivedType(typeof(OrderIssued), OrderIssued.TypeName)]
[JsonDerivedType(typeof(OrderAmended), OrderAmended.TypeName)]
[JsonDerivedType(typeof(OrderRevoked), OrderRevoked.TypeName)]
[JsonDerivedType(typeof(VersionPublished), VersionPublished.TypeName)]
[JsonDerivedType(typeof(OperatorRegistered), OperatorRegistered.TypeName)]
[JsonDerivedType(typeof(PointCreated), PointCreated.TypeName)]
[JsonDerivedType(typeof(PointAcknowledged), PointAcknowledged.TypeName)]
[JsonDerivedType(typeof(PointTransferred), PointTransferred.TypeName)]
[JsonDerivedType(typeof(ProbeRegistered), ProbeRegistered.TypeName)]
public abstract record LogEvent
{
    /// <summary>When the registry logged the event (UTC, milliseconds).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The event's <c>type</c> in the log.</summary>
    [JsonIgnore]
    public abstract string Type { get; }
}
