using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>A prepared registry version: all its entries, and what was removed and added since the version before.</summary>
/// <param name="Entries">Every entry, in bundle order.</param>
/// <param name="Removed">Entries of the previous version that are gone, in bundle order.</param>
/// <param name="Added">Entries that are new, in bundle order.</param>
/// <param name="LogTimeMs">The time of the last log event the version covers.</param>
public sealed record PolicyChange(BundleEntry[] Entries, BundleEntry[] Removed, BundleEntry[] Added, long LogTimeMs)
{
    /// <summary>Whether the version differs from the previous one.</summary>
    public bool IsEmpty => Removed.Length == 0 && Added.Length == 0;
}
