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
    /// <summary>What the target names, read from its canonical text (kept as text, not as a field: a million entries
    /// would carry 8 MB more).</summary>
    public TargetKind Kind => OrderTarget.KindOfCanonical(Target);

    /// <summary>The target's prefix, when <see cref="Kind"/> is <see cref="TargetKind.Prefix"/>.</summary>
    /// <exception cref="FormatException">The target is not a prefix.</exception>
    public IpPrefix Prefix => IpPrefix.Parse(Target);

    /// <summary>The canonical order of bundle entries.</summary>
    public static int Compare(BundleEntry x, BundleEntry y)
    {
        int byTarget = string.CompareOrdinal(x.Target, y.Target);
        return byTarget != 0 ? byTarget : string.CompareOrdinal(x.Order.Reference, y.Order.Reference);
    }

    /// <summary>The comparer for <see cref="Compare"/>.</summary>
    public static IComparer<BundleEntry> Comparer { get; } = Comparer<BundleEntry>.Create(Compare);
}
