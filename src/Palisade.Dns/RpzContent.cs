using System.Runtime.CompilerServices;
using Palisade.Core;
using Palisade.Formats;
using Palisade.Policy;

namespace Palisade.Dns;

/// <summary>
/// What a version's response policy zone holds: a trigger for every name, pattern and prefix of the entries in force at
/// the time of the version's last log event. Nothing is copied: the triggers are read from the compiled policy's
/// entries (sorted by target) as a transfer sends them. The change between two versions comes from the deltas that led
/// from one to the other (the targets they touched, each looked up in both versions), or from one walk over both
/// versions' entries when there are no such deltas or an order of the earlier version took effect or expired between the
/// two versions' times (a delta says nothing of that).
/// </summary>
internal sealed class RpzContent(uint serial, PolicyBundle? bundle)
{
    /// <summary>The zone before any version: serial 0, no triggers.</summary>
    public static RpzContent Empty { get; } = new(0, null);

    public uint Serial { get; } = serial;

    /// <summary>The version's bundle (null for <see cref="Empty"/>).</summary>
    private PolicyBundle? Bundle { get; } = bundle;

    /// <summary>Entries the version holds (some may not be in force, or have no DNS form).</summary>
    public int Entries => Bundle?.Entries.Length ?? 0;

    /// <summary>The trigger owner names, relative to the zone, each once, in the order of their targets.</summary>
    public IEnumerable<string> Triggers
    {
        get
        {
            BundleEntry[] entries = Bundle?.Entries ?? [];
            for (int i = 0; i < entries.Length; i = NextTarget(entries, i))
            {
                if (InForce(entries, i, Bundle!.LogTimeMs) && Owner(entries[i]) is { } owner)
                {
                    yield return owner;
                }
            }
        }
    }

    /// <summary>The triggers <paramref name="after"/> removes from and adds to <paramref name="before"/>, from the
    /// targets the deltas between them touched when given (<paramref name="changed"/>, which must start at
    /// <paramref name="before"/>'s version) and nothing changed with time alone; otherwise from a walk over both.</summary>
    public static RpzChange Between(RpzContent before, RpzContent after, DeltaTargets? changed = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        BundleEntry[] old = before.Bundle?.Entries ?? [];
        BundleEntry[] next = after.Bundle?.Entries ?? [];
        long oldTime = before.Bundle?.LogTimeMs ?? 0;
        long nextTime = after.Bundle?.LogTimeMs ?? 0;
        var removed = new List<string>();
        var added = new List<string>();
        if (changed is not null && before.Bundle is not null && changed.FromVersion == before.Bundle.Version && nextTime < before.NextChangeMs)
        {
            // Only the targets the deltas touched can differ: every other entry is in both versions, and its order is in
            // force or not at both times alike.
            foreach (string target in changed.Targets)
            {
                int a = First(old, target), b = First(next, target);
                bool wasInForce = InForce(old, a, oldTime);
                bool isInForce = InForce(next, b, nextTime);
                if (wasInForce != isInForce && Owner(wasInForce ? old[a] : next[b]) is { } owner)
                {
                    (wasInForce ? removed : added).Add(owner);
                }
            }

            return new RpzChange(before.Serial, after.Serial, removed, added) { FromDeltas = true };
        }

        int i = 0;
        int j = 0;
        while (i < old.Length || j < next.Length)
        {
            int order = i == old.Length ? 1 : j == next.Length ? -1 : string.CompareOrdinal(old[i].Target, next[j].Target);
            bool wasInForce = order <= 0 && InForce(old, i, oldTime);
            bool isInForce = order >= 0 && InForce(next, j, nextTime);
            if (wasInForce != isInForce && Owner(order <= 0 ? old[i] : next[j]) is { } owner)
            {
                (wasInForce ? removed : added).Add(owner);
            }

            if (order <= 0)
            {
                i = NextTarget(old, i);
            }

            if (order >= 0)
            {
                j = NextTarget(next, j);
            }
        }

        return new RpzChange(before.Serial, after.Serial, removed, added);
    }

    /// <summary>The first time after this version's log time at which an order of its entries takes effect or expires
    /// (long.MaxValue when none does): until then, time alone changes nothing in the zone. Found once per version, on
    /// the first change computed from it.</summary>
    private long NextChangeMs => LazyInitializer.EnsureInitialized(ref _nextChangeMs, () =>
    {
        long next = long.MaxValue;
        PolicyOrder? last = null;
        foreach (BundleEntry entry in Bundle?.Entries ?? [])
        {
            // Entries share their order's object, so most steps skip at the reference check.
            if (!ReferenceEquals(entry.Order, last))
            {
                last = entry.Order;
                if (last.NextChangeAfter(Bundle!.LogTimeMs) is { } at && at < next)
                {
                    next = at;
                }
            }
        }

        return new StrongBox<long>(next);
    }).Value;

    private StrongBox<long>? _nextChangeMs;

    /// <summary>The index of the first entry of <paramref name="target"/>, or <c>entries.Length</c> when there is none.</summary>
    private static int First(BundleEntry[] entries, string target)
    {
        int low = 0;
        int high = entries.Length;
        while (low < high)
        {
            int middle = low + ((high - low) / 2);
            if (string.CompareOrdinal(entries[middle].Target, target) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low < entries.Length && string.Equals(entries[low].Target, target, StringComparison.Ordinal) ? low : entries.Length;
    }

    /// <summary>The index of the first entry after <paramref name="i"/> with another target (entries of one target
    /// are adjacent, one per order).</summary>
    private static int NextTarget(BundleEntry[] entries, int i)
    {
        int next = i + 1;
        while (next < entries.Length && string.Equals(entries[next].Target, entries[i].Target, StringComparison.Ordinal))
        {
            next++;
        }

        return next;
    }

    /// <summary>Whether an order behind the target at <paramref name="i"/> is in force at <paramref name="timeMs"/>.</summary>
    private static bool InForce(BundleEntry[] entries, int i, long timeMs)
    {
        if (i >= entries.Length)
        {
            return false;
        }

        for (int k = i; k < entries.Length && string.Equals(entries[k].Target, entries[i].Target, StringComparison.Ordinal); k++)
        {
            if (entries[k].Order.IsActiveAt(timeMs))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The trigger owner of a target: names and patterns as they are, prefixes in rpz-ip form; URLs have none.</summary>
    private static string? Owner(BundleEntry entry) => entry.Kind switch
    {
        TargetKind.Domain or TargetKind.Pattern => entry.Target,
        TargetKind.Prefix => PolicyExporter.RpzIpOwner(entry.Prefix),
        _ => null,
    };
}

/// <summary>What one version changed in the zone: the triggers it removed and added.</summary>
internal sealed record RpzChange(uint From, uint To, List<string> Removed, List<string> Added)
{
    /// <summary>Whether the change was found from the deltas' targets rather than a walk over both versions.</summary>
    public bool FromDeltas { get; init; }
}
