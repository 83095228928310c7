using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary><c>probe.registered</c>: a measurement probe and its public key, so that every report it submits is
/// attributable to it and cannot be altered afterwards. A probe is named by the network it measures (its ASN, and the
/// operator when it measures one operator's network), never by an address.</summary>
public sealed record ProbeRegistered : LogEvent
{
    /// <summary>The event type.</summary>
    public const string TypeName = "probe.registered";

    /// <summary>The probe's id.</summary>
    public required string Probe { get; init; }

    /// <summary>The operator whose network it measures; null for an independent probe.</summary>
    public required string? Operator { get; init; }

    /// <summary>The network it measures from, "AS…".</summary>
    public required string Asn { get; init; }

    /// <summary>The probe's signed-note verifier key.</summary>
    public required string Key { get; init; }

    /// <inheritdoc />
    [JsonIgnore]
    public override string Type => TypeName;
}
