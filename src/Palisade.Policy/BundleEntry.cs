using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// One line of a bundle: a canonical target and the order that names it. Bundles list entries in
/// <see cref="Compare"/> order: by target, then by reference, each compared by UTF-16 code units (ordinal), which is
/// the order of their serialised lines.
/// </summary>
public readonly record struct BundleEntry(string Target, PolicyOrder Order)
{
    /// <summary>The canonical order of bundle entries.</summary>
    public static int Compare(BundleEntry x, BundleEntry y)
    {
        int byTarget = string.CompareOrdinal(x.Target, y.Target);
        return byTarget != 0 ? byTarget : string.CompareOrdinal(x.Order.Reference, y.Order.Reference);
    }

    /// <summary>The comparer for <see cref="Compare"/>.</summary>
    public static IComparer<BundleEntry> Comparer { get; } = Comparer<BundleEntry>.Create(Compare);
}
