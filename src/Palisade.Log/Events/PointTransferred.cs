using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>point.transferred</c>: the registry's own DNS server saw an RPZ secondary registered as an enforcement
/// point (a name server of the operator, never an end user) complete a zone transfer of a version. The registry attests
/// it; the secondary signs nothing.</summary>
public sealed record PointTransferred : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "point.transferred";

    /// <summary>The point.</summary>
    public required string Point { get; init; }

    /// <summary>The version transferred (the zone's serial).</summary>
    public required ulong Version { get; init; }

    /// <summary>AXFR or IXFR.</summary>
    public required string Transfer { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
