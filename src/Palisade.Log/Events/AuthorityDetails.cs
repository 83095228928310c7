using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>An authority as <c>authority.registered</c> logs it.</summary>
public sealed record AuthorityDetails
{
    /// <summary>The id that order references start with.</summary>
    public required string Id { get; init; }

    /// <summary>The authority's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its jurisdiction (such as RU, IT).</summary>
    public required string Jurisdiction { get; init; }

    /// <summary>Its web site.</summary>
    public required string Url { get; init; }
}
