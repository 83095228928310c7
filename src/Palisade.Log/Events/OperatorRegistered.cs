using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>operator.registered</c>: an operator that enforces the registry's versions (an ISP, a resolver
/// service, a search engine).</summary>
public sealed record OperatorRegistered : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "operator.registered";

    /// <summary>The operator's id.</summary>
    public required string Operator { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>What it is: isp, resolver, search-engine, other.</summary>
    public required string Kind { get; init; }

    /// <summary>Its country (ISO 3166 code or a name).</summary>
    public required string Country { get; init; }

    /// <summary>Its public web site.</summary>
    public required string Url { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}

/// <summary><c>point.created</c>: an enforcement point of an operator (a DNS server, a firewall, a search index) and the
/// Ed25519 key it signs its acknowledgements with.</summary>
public sealed record PointCreated : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "point.created";

    /// <summary>The operator it belongs to.</summary>
    public required string Operator { get; init; }

    /// <summary>The point's id (unique in the registry).</summary>
    public required string Point { get; init; }

    /// <summary>The point's signed-note verifier key (name+keyid+base64(0x01 || key)).</summary>
    public required string Key { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
