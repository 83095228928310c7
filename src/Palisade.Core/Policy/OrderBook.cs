using Palisade.Core.Events;

namespace Palisade.Core.Policy;

/// <summary>
/// The state of every order as the log tells it: replaying joined log events in order yields the entries of the next
/// registry version. Registry version n is a pure function of the log prefix it covers: the targets of every order
/// issued and not revoked, whose expiry is after the time of the last event covered, with that order's reference,
/// category and enforcement window. The registry and <c>palisade bundle rebuild</c> both compute versions through
/// this type, so they agree byte for byte.
/// </summary>
public sealed class OrderBook
{
    private readonly Dictionary<string, OrderState> _orders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private BundleEntry[] _published = [];

    /// <summary>The latest time of the events applied (Unix milliseconds); 0 before the first.</summary>
    public long LastEventMs { get; private set; }

    /// <summary>The entries of the version accepted last.</summary>
    public ReadOnlySpan<BundleEntry> Published => _published;

    /// <summary>Applies one log event. Events that do not concern orders only advance the time.</summary>
    /// <exception cref="FormatException">The event contradicts the log before it (an order issued twice, or changed
    /// before it was issued).</exception>
    public void Apply(LogEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);

        // The time only moves forward, so an entry that expired stays expired even if a clock stepped back.
        LastEventMs = Math.Max(LastEventMs, evt.Time.ToUnixTimeMilliseconds());
        if (evt is OrderEvent order)
        {
            Apply(order);
        }
    }

    private void Apply(OrderEvent evt)
    {
        string reference = evt.Reference.ToString();
        switch (evt)
        {
            case OrderIssued issued:
                var state = new OrderState(new PolicyOrder(reference, issued.Category, issued.Effective.ToUnixTimeMilliseconds(), issued.Expires?.ToUnixTimeMilliseconds()));
                foreach (string target in issued.Targets)
                {
                    state.Targets.Add(target);
                }

                if (!_orders.TryAdd(reference, state))
                {
                    throw new FormatException($"order {reference} is issued twice");
                }

                break;
            case OrderAmended amended:
                OrderState changed = Find(reference);
                foreach (string target in amended.Remove)
                {
                    changed.Targets.Remove(target);
                }

                foreach (string target in amended.Add)
                {
                    changed.Targets.Add(target);
                }

                if (amended.Expires.IsChanged)
                {
                    changed.Order = changed.Order with { ExpiresMs = amended.Expires.Expires?.ToUnixTimeMilliseconds() };
                }

                break;
            case OrderRevoked:
                Find(reference).Revoked = true;
                break;
        }

        _changed.Add(reference);
    }

    /// <summary>
    /// The next version's entries and how they differ from the version accepted last, without accepting it. Entries
    /// of orders that changed are recomputed; entries whose order expired by <see cref="LastEventMs"/> are dropped.
    /// </summary>
    public PolicyChange Prepare()
    {
        long now = LastEventMs;
        var fresh = new List<BundleEntry>();
        foreach (string reference in _changed)
        {
            OrderState state = _orders[reference];
            if (!state.Revoked && (state.Order.ExpiresMs is not { } expires || expires > now))
            {
                foreach (string target in state.Targets)
                {
                    fresh.Add(new BundleEntry(target, state.Order));
                }
            }
        }

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

            if (entry.Order.ExpiresMs is { } expires && expires <= now)
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

    /// <summary>Makes a prepared change the version accepted last (after it was published).</summary>
    public void Accept(PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _published = change.Entries;
        _changed.Clear();
    }

    private OrderState Find(string reference) =>
        _orders.TryGetValue(reference, out OrderState? state) ? state : throw new FormatException($"the log changes order {reference} before issuing it");

    private sealed class OrderState(PolicyOrder order)
    {
        public PolicyOrder Order { get; set; } = order;

        public HashSet<string> Targets { get; } = new(StringComparer.Ordinal);

        public bool Revoked { get; set; }
    }
}
