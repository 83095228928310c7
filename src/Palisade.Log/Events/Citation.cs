using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>An entry of a foreign registry's log that an order acts on: the log's origin and the index of the entry
/// where the foreign order event starts.</summary>
public sealed record Citation
{
    /// <summary>The foreign log's origin.</summary>
    public required string Origin { get; init; }

    /// <summary>The index of the entry.</summary>
    public required long Index { get; init; }
}
