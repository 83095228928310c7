using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The targets whose entries the deltas followed from version <see cref="FromVersion"/> to a later one removed or added,
/// each once, in ordinal order: what a consumer that keeps its own view of a version (a response policy zone) needs to
/// look at again, besides orders that take effect or expire with time alone.
/// </summary>
/// <param name="FromVersion">The version the deltas start from.</param>
/// <param name="Targets">The targets touched, distinct and sorted ordinally.</param>
public sealed record DeltaTargets(ulong FromVersion, string[] Targets)
{
    /// <summary>The distinct targets of the entries of the given deltas, sorted.</summary>
    public static DeltaTargets Of(ulong fromVersion, IEnumerable<PolicyDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        return new DeltaTargets(fromVersion,
            [.. deltas.SelectMany(d => d.Removed.Concat(d.Added)).Select(e => e.Target).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }
}
