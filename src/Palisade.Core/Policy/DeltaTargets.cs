namespace Palisade.Core.Policy;

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
        var targets = new List<string>();
        foreach (PolicyDelta delta in deltas)
        {
            foreach (BundleEntry entry in delta.Removed)
            {
                targets.Add(entry.Target);
            }

            foreach (BundleEntry entry in delta.Added)
            {
                targets.Add(entry.Target);
            }
        }

        targets.Sort(StringComparer.Ordinal);
        var distinct = new List<string>(targets.Count);
        foreach (string target in targets)
        {
            if (distinct.Count == 0 || !string.Equals(distinct[^1], target, StringComparison.Ordinal))
            {
                distinct.Add(target);
            }
        }

        return new DeltaTargets(fromVersion, [.. distinct]);
    }
}
