using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>A safeguard lifted for one target of an order, with the authority's justification, as the log keeps it.</summary>
public sealed record LoggedOverride
{
    /// <summary>The target.</summary>
    public required string Target { get; init; }

    /// <summary>The protection it would otherwise break (such as "is a public suffix").</summary>
    public required string Protection { get; init; }

    /// <summary>Why the authority covers it anyway.</summary>
    public required string Justification { get; init; }
}
