using Palisade.Log.Events;
using Palisade.Core;
using Palisade.Log;
using System.Globalization;

namespace Palisade.Policy;

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
    private List<Action>? _undo;
    private readonly Dictionary<(string Origin, long Index), List<string>> _citedBy = [];
    private readonly Func<string, string>? _decisionKey;
    private readonly Dictionary<(string Authority, string Key), string>? _decisionsByKey;
    private readonly Func<OrderIssued, byte[]>? _issuedDigest;

    /// <summary>A book of orders.</summary>
    public OrderBook()
    {
    }

    /// <summary>A book that also indexes each authority's decision numbers by <paramref name="decisionKey"/> (the
    /// registry's: their confusable skeleton), for <see cref="TryGetDecisionByKey"/>, and keeps
    /// <paramref name="issuedDigest"/> of each order's issue event, for <see cref="TryGetRecord"/>.</summary>
    public OrderBook(Func<string, string> decisionKey, Func<OrderIssued, byte[]>? issuedDigest = null)
    {
        ArgumentNullException.ThrowIfNull(decisionKey);
        _decisionKey = decisionKey;
        _decisionsByKey = [];
        _issuedDigest = issuedDigest;
    }

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
        long before = LastEventMs;
        _undo?.Add(() => LastEventMs = before);
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
                var state = new OrderState(new PolicyOrder(reference, issued.Category, issued.Effective.ToUnixTimeMilliseconds(), issued.Expires?.ToUnixTimeMilliseconds()))
                {
                    IssuedDigest = _issuedDigest?.Invoke(issued),
                };
                foreach (string target in issued.Targets)
                {
                    state.Targets.Add(target);
                }

                if (!_orders.TryAdd(reference, state))
                {
                    throw new FormatException($"order {reference} is issued twice");
                }

                _undo?.Add(() => _orders.Remove(reference));
                if (_decisionsByKey is not null)
                {
                    // The first decision with a key keeps it: a later lookalike (issued before the registry refused
                    // them) is still found through the one it looks like.
                    (string, string) key = (evt.Reference.Authority, _decisionKey!(evt.Reference.Decision));
                    if (_decisionsByKey.TryAdd(key, evt.Reference.Decision))
                    {
                        _undo?.Add(() => _decisionsByKey.Remove(key));
                    }
                }

                foreach (Citation cited in issued.Cites ?? [])
                {
                    (string, long) key = (cited.Origin, cited.Index);
                    if (!_citedBy.TryGetValue(key, out List<string>? citing))
                    {
                        _citedBy[key] = citing = [];
                    }

                    citing.Add(reference);
                    _undo?.Add(() => citing.Remove(reference));
                }

                break;
            case OrderAmended amended:
                OrderState changed = Find(reference);
                foreach (string target in amended.Remove)
                {
                    if (changed.Targets.Remove(target))
                    {
                        _undo?.Add(() => changed.Targets.Add(target));
                    }
                }

                foreach (string target in amended.Add)
                {
                    if (changed.Targets.Add(target))
                    {
                        _undo?.Add(() => changed.Targets.Remove(target));
                    }
                }

                if (amended.Expires.IsChanged)
                {
                    PolicyOrder was = changed.Order;
                    _undo?.Add(() => changed.Order = was);
                    changed.Order = changed.Order with { ExpiresMs = amended.Expires.Expires?.ToUnixTimeMilliseconds() };
                }

                break;
            case OrderRevoked:
                OrderState revoked = Find(reference);
                (bool wasRevoked, long? revokedAt) = (revoked.Revoked, revoked.RevokedMs);
                _undo?.Add(() => (revoked.Revoked, revoked.RevokedMs) = (wasRevoked, revokedAt));
                revoked.Revoked = true;
                revoked.RevokedMs = evt.Time.ToUnixTimeMilliseconds();
                break;
        }

        if (_changed.Add(reference))
        {
            _undo?.Add(() => _changed.Remove(reference));
        }
    }

    /// <summary>The orders that cite the foreign log entry (origin, index), in the order they were issued.</summary>
    public IReadOnlyList<string> CitedBy(string origin, long index) =>
        _citedBy.TryGetValue((origin, index), out List<string>? citing) ? citing : [];

    /// <summary>The first decision number of <paramref name="authority"/> whose key (see
    /// <see cref="OrderBook(Func{string, string}, Func{OrderIssued, byte[]})"/>) is <paramref name="key"/>; false when none has it or the book keeps
    /// no keys.</summary>
    public bool TryGetDecisionByKey(string authority, string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? decision)
    {
        decision = null;
        return _decisionsByKey is not null && _decisionsByKey.TryGetValue((authority, key), out decision);
    }

    /// <summary>An order as the log has it, for checking what a store says of it: its window and category, when it was
    /// revoked (null: it is not), the digest of its issue event (null when the book keeps none), and its targets (the
    /// book's own set: read it under the lock the book is changed under).</summary>
    public sealed record OrderRecord(PolicyOrder Order, long? RevokedMs, byte[]? IssuedDigest, IReadOnlySet<string> Targets);

    /// <summary>The record of an order; false when none was issued under the reference.</summary>
    public bool TryGetRecord(string reference, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OrderRecord? record)
    {
        record = _orders.TryGetValue(reference, out OrderState? state) ? new OrderRecord(state.Order, state.Revoked ? state.RevokedMs : null, state.IssuedDigest, state.Targets) : null;
        return record is not null;
    }

    /// <summary>An order as the events applied so far leave it; false when none was issued under the reference.</summary>
    public bool TryGetOrder(string reference, out PolicyOrder order, out bool revoked, out IReadOnlySet<string> targets)
    {
        if (_orders.TryGetValue(reference, out OrderState? state))
        {
            (order, revoked, targets) = (state.Order, state.Revoked, state.Targets);
            return true;
        }

        (order, revoked, targets) = (null!, false, null!);
        return false;
    }

    /// <summary>
    /// Starts applying events tentatively (those of a transaction not yet committed): until <see cref="Keep"/> or
    /// <see cref="Undo"/>, every change <see cref="Apply(LogEvent)"/> makes is recorded so that it can be undone.
    /// </summary>
    public void BeginTentative()
    {
        if (_undo is not null)
        {
            throw new InvalidOperationException("the book already applies events tentatively");
        }

        _undo = [];
    }

    /// <summary>Keeps what was applied since <see cref="BeginTentative"/> (the transaction committed).</summary>
    public void Keep() => _undo = null;

    /// <summary>Undoes what was applied since <see cref="BeginTentative"/>, newest first (the transaction failed).</summary>
    public void Undo()
    {
        if (_undo is { } undo)
        {
            _undo = null;
            for (int i = undo.Count - 1; i >= 0; i--)
            {
                undo[i]();
            }
        }
    }

    /// <summary>
    /// The next version's entries and how they differ from the version accepted last, without accepting it. Entries
    /// of orders that changed are recomputed; entries whose order expired by <see cref="LastEventMs"/> are dropped.
    /// </summary>
    public PolicyChange Prepare() => Snapshot().Prepare();

    /// <summary>
    /// What <see cref="Prepare"/> reads, copied in time proportional to the targets of the orders that changed since the
    /// version accepted last (not to the whole policy), so that the merge with every published entry can run while the
    /// book goes on changing.
    /// </summary>
    public PendingVersion Snapshot()
    {
        long now = LastEventMs;
        var fresh = new List<BundleEntry>();
        foreach (string reference in _changed)
        {
            OrderState state = _orders[reference];
            if (!state.Revoked && !state.Order.IsExpiredAt(now))
            {
                foreach (string target in state.Targets)
                {
                    fresh.Add(new BundleEntry(target, state.Order));
                }
            }
        }

        return new PendingVersion(_published, new HashSet<string>(_changed, StringComparer.Ordinal), fresh, now);
    }

    /// <summary>Makes a prepared change the version accepted last (after it was published).</summary>
    public void Accept(PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _published = change.Entries;
        _changed.Clear();
    }

    /// <summary>The first line of a snapshot file (<see cref="WriteSnapshot"/>).</summary>
    public const string SnapshotHeader = "palisade order book snapshot v1";

    /// <summary>
    /// Writes what version building reads of the book (every order's window, category, targets and revocation, the
    /// entries of the version accepted last, the time) so that <see cref="ReadSnapshot"/> can resume a replay from here
    /// instead of from the first entry. Only between versions: nothing changed since the version accepted last.
    /// </summary>
    /// <exception cref="InvalidOperationException">Orders changed since the version accepted last.</exception>
    public void WriteSnapshot(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_changed.Count > 0)
        {
            throw new InvalidOperationException("a snapshot is taken right after a version is accepted");
        }

        // Tab-separated lines: references, categories and targets hold no control characters.
        writer.Write(SnapshotHeader);
        writer.Write('\n');
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"time\t{LastEventMs}\n"));
        foreach ((string reference, OrderState state) in _orders)
        {
            PolicyOrder order = state.Order;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"order\t{reference}\t{order.Category}\t{order.EffectiveMs}\t{(order.ExpiresMs is { } expires ? expires.ToString(CultureInfo.InvariantCulture) : "-")}\t{(state.Revoked ? 1 : 0)}"));
            foreach (string target in state.Targets)
            {
                writer.Write('\t');
                writer.Write(target);
            }

            writer.Write('\n');
        }

        foreach (BundleEntry entry in _published)
        {
            writer.Write("published\t");
            writer.Write(entry.Target);
            writer.Write('\t');
            writer.Write(entry.Order.Reference);
            writer.Write('\n');
        }
    }

    /// <summary>Reads a book <see cref="WriteSnapshot"/> wrote. What is built from it must still be checked against
    /// the hashes the log published: a snapshot is a cache, not a source of truth.</summary>
    /// <exception cref="FormatException">The snapshot is not one, or is damaged.</exception>
    public static OrderBook ReadSnapshot(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadLine() != SnapshotHeader)
        {
            throw new FormatException("not an order book snapshot");
        }

        var book = new OrderBook();
        var published = new List<BundleEntry>();
        while (reader.ReadLine() is { } line)
        {
            string[] fields = line.Split('\t');
            switch (fields[0])
            {
                case "time" when fields.Length == 2:
                    book.LastEventMs = long.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "order" when fields.Length >= 6:
                    long? expires = fields[4] == "-" ? null : long.Parse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    var state = new OrderState(new PolicyOrder(fields[1], fields[2], long.Parse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), expires))
                    {
                        Revoked = fields[5] switch { "1" => true, "0" => false, _ => throw new FormatException($"a snapshot's order line has revoked '{fields[5]}'") },
                    };
                    for (int i = 6; i < fields.Length; i++)
                    {
                        state.Targets.Add(fields[i]);
                    }

                    if (!book._orders.TryAdd(fields[1], state))
                    {
                        throw new FormatException($"a snapshot holds order {fields[1]} twice");
                    }

                    break;
                case "published" when fields.Length == 3:
                    OrderState owner = book._orders.TryGetValue(fields[2], out OrderState? found) ? found : throw new FormatException($"a snapshot publishes an entry of unknown order {fields[2]}");
                    published.Add(new BundleEntry(fields[1], owner.Order));
                    break;
                default:
                    throw new FormatException($"a snapshot holds the line '{(line.Length > 80 ? line[..80] + "…" : line)}'");
            }
        }

        book._published = [.. published];
        return book;
    }

    private OrderState Find(string reference) =>
        _orders.TryGetValue(reference, out OrderState? state) ? state : throw new FormatException($"the log changes order {reference} before issuing it");

    private sealed class OrderState(PolicyOrder order)
    {
        public PolicyOrder Order { get; set; } = order;

        public HashSet<string> Targets { get; } = new(StringComparer.Ordinal);

        public bool Revoked { get; set; }

        public long? RevokedMs { get; set; }

        public byte[]? IssuedDigest { get; init; }
    }
}
