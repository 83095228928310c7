using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// A registry version about to be prepared: the entries of the version accepted last, the orders changed since, and
/// their current entries, as <see cref="OrderBook.Snapshot"/> copied them. <see cref="Prepare"/> merges them; it reads
/// nothing of the book, so it can run while the book goes on changing.
/// </summary>
public sealed class PendingVersion
{
    private readonly BundleEntry[] _published;
    private readonly HashSet<string> _changed;
    private readonly List<BundleEntry> _fresh;

    internal PendingVersion(BundleEntry[] published, HashSet<string> changed, List<BundleEntry> fresh, long logTimeMs)
    {
        _published = published;
        _changed = changed;
        _fresh = fresh;
        LogTimeMs = logTimeMs;
    }

    /// <summary>The time of the last log event the version covers (Unix milliseconds).</summary>
    public long LogTimeMs { get; }

    /// <summary>The version's entries and how they differ from the version accepted last, in time proportional to all
    /// entries.</summary>
    public PolicyChange Prepare()
    {
        long now = LogTimeMs;
        List<BundleEntry> fresh = _fresh;
        fresh.Sort(BundleEntry.Compare);
        var stale = new List<BundleEntry>();
        var expired = new List<BundleEntry>();
        var entries = new List<BundleEntry>(_published.Length + fresh.Count);
        int next = 0;
        foreach (BundleEntry entry in _published)
        {
            if (_changed.Contains(entry.Order.Reference))
            {
                stale.Add(entry);
                continue;
            }

            if (entry.Order.IsExpiredAt(now))
            {
                expired.Add(entry);
                continue;
            }

            while (next < fresh.Count && BundleEntry.Compare(fresh[next], entry) < 0)
            {
                entries.Add(fresh[next++]);
            }

            entries.Add(entry);
        }

        while (next < fresh.Count)
        {
            entries.Add(fresh[next++]);
        }

        // stale and fresh are both sorted: walk them together to find what really changed.
        var removed = new List<BundleEntry>(expired);
        var added = new List<BundleEntry>();
        int i = 0, j = 0;
        while (i < stale.Count || j < fresh.Count)
        {
            int order = i == stale.Count ? 1 : j == fresh.Count ? -1 : BundleEntry.Compare(stale[i], fresh[j]);
            if (order < 0)
            {
                removed.Add(stale[i++]);
            }
            else if (order > 0)
            {
                added.Add(fresh[j++]);
            }
            else
            {
                if (stale[i].Order != fresh[j].Order)
                {
                    removed.Add(stale[i]);
                    added.Add(fresh[j]);
                }

                i++;
                j++;
            }
        }

        removed.Sort(BundleEntry.Compare);
        return new PolicyChange([.. entries], [.. removed], [.. added], now);
    }
}
