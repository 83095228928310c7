using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>version.published</c>: registry version n, the log prefix it covers (this event is the entry at that
/// index), its entry count and the SHA-256 of its bundle and delta files.</summary>
public sealed record VersionPublished : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "version.published";

    /// <summary>The version number.</summary>
    public required ulong Version { get; init; }

    /// <summary>Log entries the version covers.</summary>
    public required ulong LogSize { get; init; }

    /// <summary>Entries in the bundle.</summary>
    public required int Entries { get; init; }

    /// <summary>Lowercase hex SHA-256 of the bundle.</summary>
    public required string Bundle { get; init; }

    /// <summary>Lowercase hex SHA-256 of the delta.</summary>
    public required string Delta { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
