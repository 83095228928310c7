using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>Orders, their targets and their events (derived from the log).</summary>
internal sealed partial class RegistrySession
{
    /// <summary>The authority's name (null when there is no such authority) and whether it already has an order with
    /// this decision number, in one round trip.</summary>
    public string? AuthorityName(string id) => Scalar("SELECT name FROM authorities WHERE id = @id", Text("id", id)) as string;

    public OrderRow? LoadOrder(string authority, string decision)
    {
        using DbCommand command = Command($"SELECT {OrderColumns} FROM orders WHERE authority = @a AND decision = @d", Text("a", authority), Text("d", decision));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadOrder(reader) : null;
    }

    public void InsertOrder(OrderRow order, long issuedMs)
    {
        if (_rows is not null)
        {
            _rows.Orders.Add((order, issuedMs));
            return;
        }

        NonQuery("""
            INSERT INTO orders (authority, decision, decision_date, legal_basis, category, issuing_body, summary, effective_ms, expires_ms, issued_ms)
            VALUES (@a, @d, @date, @basis, @category, @body, @summary, @effective, @expires, @now)
            """,
            Text("a", order.Authority), Text("d", order.Decision), Text("date", order.DecisionDate), Text("basis", order.LegalBasis), Text("category", order.Category),
            Text("body", order.IssuingBody), Text("summary", order.Summary), Int("effective", order.EffectiveMs), Int("expires", order.ExpiresMs), Int("now", issuedMs));
    }

    public void SetExpiry(string authority, string decision, long? expiresMs) =>
        NonQuery("UPDATE orders SET expires_ms = @e WHERE authority = @a AND decision = @d", Int("e", expiresMs), Text("a", authority), Text("d", decision));

    public void SetRevoked(string authority, string decision, long revokedMs, string? reason) =>
        NonQuery("UPDATE orders SET revoked_ms = @now, revoke_reason = @reason WHERE authority = @a AND decision = @d",
            Int("now", revokedMs), Text("reason", reason), Text("a", authority), Text("d", decision));

    /// <summary>Adds targets: kind, value and, for prefixes, the family and first and last address (16 bytes, big-endian,
    /// which both stores compare byte by byte).</summary>
    public void InsertTargets(string authority, string decision, IEnumerable<(string Kind, string Value, int? Family, byte[]? Start, byte[]? End)> targets)
    {
        if (_rows is not null)
        {
            foreach ((string kind, string value, int? family, byte[]? start, byte[]? end) in targets)
            {
                _rows.Targets.Add((authority, decision, kind, value, family, start, end));
            }

            return;
        }

        const string Sql = "INSERT INTO order_targets (authority, decision, kind, value, family, ip_start, ip_end) VALUES (@a, @d, @kind, @value, @family, @start, @end)";
        // One prepared statement run per target: on SQLite this measured faster than multi-row statements, whose long
        // text and many named parameters cost more to prepare and bind than the rows save.
        DbParameter[] parameters = [Text("a", authority), Text("d", decision), Text("kind", ""), Text("value", ""), Int("family", null), Blob("start", null), Blob("end", null)];
        using DbCommand? owned = _statements is null ? Command(Sql, parameters) : null;
        DbCommand command = owned ?? Statement(Sql, parameters);
        foreach ((string kind, string value, int? family, byte[]? start, byte[]? end) in targets)
        {
            command.Parameters["kind"].Value = kind;
            command.Parameters["value"].Value = value;
            command.Parameters["family"].Value = family is null ? DBNull.Value : (long)family.Value;
            command.Parameters["start"].Value = (object?)start ?? DBNull.Value;
            command.Parameters["end"].Value = (object?)end ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
    }

    public void DeleteTarget(string authority, string decision, string value) =>
        NonQuery("DELETE FROM order_targets WHERE authority = @a AND decision = @d AND value = @v", Text("a", authority), Text("d", decision), Text("v", value));

    public List<TargetView> TargetPage(string authority, string decision, string after, int limit)
    {
        using DbCommand command = Command("SELECT kind, value FROM order_targets WHERE authority = @a AND decision = @d AND value > @after ORDER BY value LIMIT @limit",
            Text("a", authority), Text("d", decision), Text("after", after), Int("limit", limit));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<TargetView>();
        while (reader.Read())
        {
            list.Add(new TargetView(reader.GetString(0), reader.GetString(1)));
        }

        return list;
    }

    public long TargetCount(string authority, string decision) =>
        Convert.ToInt64(Scalar("SELECT count(*) FROM order_targets WHERE authority = @a AND decision = @d", Text("a", authority), Text("d", decision)), System.Globalization.CultureInfo.InvariantCulture);

    public void InsertOrderEvent(long logIndex, int entries, string authority, string decision, string type, long timeMs)
    {
        if (_rows is not null)
        {
            _rows.OrderEvents.Add((logIndex, entries, authority, decision, type, timeMs));
            return;
        }

        NonQuery("INSERT INTO order_events (log_index, entries, authority, decision, type, time_ms) VALUES (@i, @n, @a, @d, @t, @time)",
            Int("i", logIndex), Int("n", entries), Text("a", authority), Text("d", decision), Text("t", type), Int("time", timeMs));
    }

    /// <summary>An order's events in the tree of <paramref name="size"/>: log index, entries, type and time.</summary>
    public List<(long Index, int Entries, string Type, long TimeMs)> OrderEvents(string authority, string decision, long size)
    {
        using DbCommand command = Command(
            "SELECT log_index, entries, type, time_ms FROM order_events WHERE authority = @a AND decision = @d AND log_index < @size ORDER BY log_index",
            Text("a", authority), Text("d", decision), Int("size", size));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<(long, int, string, long)>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), (int)reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return list;
    }

    /// <summary>Order events (issued, amended, revoked) in the tree of <paramref name="size"/>, newest first, of one
    /// authority or category or all: each event's log index, type and time, and its order as it stands now.</summary>
    public List<(long Index, string Type, long TimeMs, OrderRow Order)> RecentOrderEvents(string? authority, string? category, long size, int limit) => Rows(
        "SELECT o.authority, o.decision, o.decision_date, o.legal_basis, o.category, o.issuing_body, o.summary, o.effective_ms, o.expires_ms, o.revoked_ms, " +
        "e.log_index, e.type, e.time_ms FROM order_events e JOIN orders o ON o.authority = e.authority AND o.decision = e.decision " +
        "WHERE (@a IS NULL OR e.authority = @a) AND (@c IS NULL OR o.category = @c) AND e.log_index < @size ORDER BY e.log_index DESC LIMIT @limit",
        r => (r.GetInt64(10), r.GetString(11), r.GetInt64(12), ReadOrder(r)),
        Text("a", authority), Text("c", category), Int("size", size), Int("limit", limit));

    /// <summary>Orders newest first, of one authority or all, before the sequence <paramref name="before"/>, with each
    /// order's sequence (the page cursor) and target count.</summary>
    public List<(OrderRow Order, long Sequence, long Targets)> ListOrders(string? authority, long before, int limit)
    {
        string sequence = "o." + _store.OrderSequence;
        using DbCommand command = Command(
            $"SELECT {OrderColumns}, {sequence}, (SELECT count(*) FROM order_targets t WHERE t.authority = o.authority AND t.decision = o.decision) FROM orders o " +
            $"WHERE (@a IS NULL OR authority = @a) AND {sequence} < @before ORDER BY {sequence} DESC LIMIT @limit",
            Text("a", authority), Int("before", before), Int("limit", limit));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<(OrderRow, long, long)>();
        while (reader.Read())
        {
            list.Add((ReadOrder(reader), reader.GetInt64(10), reader.GetInt64(11)));
        }

        return list;
    }
}
