using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>How a policy target covers what was looked up.</summary>
public enum MatchKind
{
    /// <summary>The target is the name, URL or host address itself.</summary>
    Exact,

    /// <summary>A wildcard pattern <c>*.parent</c> covers the name (RPZ semantics: strictly below).</summary>
    Wildcard,

    /// <summary>A URL target ending in '/' covers every URL below that path.</summary>
    PathPrefix,

    /// <summary>An IP prefix covers the address.</summary>
    CoveringPrefix,
}

/// <summary>
/// One matching target of a compiled policy and every order that names it. A value over the policy's own arrays:
/// creating and reading it allocates nothing.
/// </summary>
public readonly struct PolicyMatch
{
    private readonly BundleEntry[] _entries;
    private readonly int _start;
    private readonly int _count;

    internal PolicyMatch(BundleEntry[] entries, int start, int count, MatchKind kind)
    {
        _entries = entries;
        _start = start;
        _count = count;
        Kind = kind;
    }

    /// <summary>How the target covers the query.</summary>
    public MatchKind Kind { get; }

    /// <summary>The canonical target that matched.</summary>
    public string Target => _entries[_start].Target;

    /// <summary>What the target names.</summary>
    public TargetKind TargetKind => _entries[_start].Kind;

    /// <summary>The entries of every order that names the target, ordered by reference.</summary>
    public ReadOnlySpan<BundleEntry> Entries => _entries.AsSpan(_start, _count);

    /// <summary>The first order naming the target that is enforced at the given time, or null.</summary>
    public PolicyOrder? FirstActive(long unixMilliseconds)
    {
        foreach (BundleEntry entry in Entries)
        {
            if (entry.Order.IsActiveAt(unixMilliseconds))
            {
                return entry.Order;
            }
        }

        return null;
    }
}
