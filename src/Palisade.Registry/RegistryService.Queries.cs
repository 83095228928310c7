using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Palisade.Core;
using Palisade.Registry.Api;

namespace Palisade.Registry;

public sealed partial class RegistryService
{
    private const string OrderColumns = "authority, decision, decision_date, legal_basis, category, issuing_body, summary, effective_ms, expires_ms, revoked_ms";

    /// <summary>Most targets one order answer lists; the rest are paged with <c>targetsAfter</c>.</summary>
    public const int MaxTargetPage = 10_000;

    /// <summary>An order with one page of its targets (in value order, after <paramref name="targetsAfter"/>), its history,
    /// and an inclusion proof of every entry of every event in the current tree, with each entry's bytes unless
    /// <paramref name="entryData"/> is false; null when there is no such order.</summary>
    public OrderView? GetOrder(string authority, string decision, int targetLimit = 1000, string? targetsAfter = null, bool entryData = true)
    {
        targetLimit = Math.Clamp(targetLimit, 1, MaxTargetPage);
        using SqliteConnection connection = _database.Open();
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: true);
        OrderRow? order = LoadOrder(connection, transaction, authority, decision);
        if (order is null)
        {
            return null;
        }

        var targets = new List<TargetView>();
        string? targetsNext = null;
        using (SqliteCommand query = RegistryDatabase.Command(connection, transaction,
            "SELECT kind, value FROM order_targets WHERE authority = $a AND decision = $d AND value > $after ORDER BY value LIMIT $limit",
            ("$a", authority), ("$d", decision), ("$after", targetsAfter ?? ""), ("$limit", targetLimit + 1)))
        using (SqliteDataReader reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                if (targets.Count == targetLimit)
                {
                    targetsNext = targets[^1].Value;
                    break;
                }

                targets.Add(new TargetView(reader.GetString(0), reader.GetString(1)));
            }
        }

        long targetCount;
        using (SqliteCommand count = RegistryDatabase.Command(connection, transaction, "SELECT count(*) FROM order_targets WHERE authority = $a AND decision = $d",
            ("$a", authority), ("$d", decision)))
        {
            targetCount = (long)count.ExecuteScalar()!;
        }

        LogState state = _log.State;
        ulong size = state.Checkpoint.Size;
        var history = new List<EventView>();
        using (SqliteCommand query = RegistryDatabase.Command(connection, transaction,
            "SELECT e.log_index, e.entries, e.type, e.time_ms FROM order_events e WHERE e.authority = $a AND e.decision = $d AND e.log_index < $size ORDER BY e.log_index",
            ("$a", authority), ("$d", decision), ("$size", (long)size)))
        using (SqliteDataReader reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                long index = reader.GetInt64(0);
                int count = reader.GetInt32(1);
                List<byte[]>? data = entryData ? ReadEntries((ulong)index, count) : null;
                var entries = new List<EntryProof>(count);
                for (int i = 0; i < count; i++)
                {
                    ulong entryIndex = (ulong)index + (ulong)i;
                    entries.Add(new EntryProof((long)entryIndex, data is null ? null : Convert.ToBase64String(data[i]), Convert.ToBase64String(_log.LeafHash(entryIndex)),
                        _log.InclusionProof(entryIndex, size).ConvertAll(Convert.ToBase64String)));
                }

                history.Add(new EventView(reader.GetString(2), FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))), index, entries));
            }
        }

        return new OrderView(
            Reference(authority, decision), OrderUrl(authority, decision), order.Authority, order.Decision, order.DecisionDate, order.LegalBasis,
            order.Category, order.IssuingBody, order.Summary, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.EffectiveMs)),
            order.ExpiresMs is null ? null : FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.ExpiresMs.Value)),
            order.RevokedMs is null ? null : FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(order.RevokedMs.Value)),
            Status(order), targets, targetCount, targetsNext, history, (long)size, Convert.ToBase64String(state.Checkpoint.RootHash), state.Note);
    }

    /// <summary>A page of orders, newest first, optionally of one authority.</summary>
    public OrderList ListOrders(string? authority, int limit, string? after)
    {
        limit = Math.Clamp(limit, 1, 1000);
        // Orders are never deleted, so the rowid is their issue order: a cursor that no two orders share.
        long afterRow = long.MaxValue;
        if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterRow))
        {
            throw RegistryProblem.Invalid("after", $"'{after}' is not a page cursor from a previous answer");
        }

        using SqliteConnection connection = _database.Open();
        using SqliteCommand query = RegistryDatabase.Command(connection, null,
            $"SELECT {OrderColumns}, o.rowid, (SELECT count(*) FROM order_targets t WHERE t.authority = o.authority AND t.decision = o.decision) FROM orders o " +
            "WHERE ($a IS NULL OR authority = $a) AND o.rowid < $after ORDER BY o.rowid DESC LIMIT $limit",
            ("$a", authority), ("$after", afterRow), ("$limit", limit + 1));
        using SqliteDataReader reader = query.ExecuteReader();
        var orders = new List<OrderSummary>();
        string? next = null;
        long lastRow = 0;
        while (reader.Read())
        {
            if (orders.Count == limit)
            {
                next = lastRow.ToString(CultureInfo.InvariantCulture);
                break;
            }

            OrderRow row = ReadOrder(reader);
            lastRow = reader.GetInt64(10);
            orders.Add(new OrderSummary(Reference(row.Authority, row.Decision), OrderUrl(row.Authority, row.Decision), row.Authority, row.Decision,
                row.Category, Status(row), FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(row.EffectiveMs)), reader.GetInt32(11)));
        }

        return new OrderList(orders, next);
    }

    private CountsSnapshot? _activeCounts;

    private sealed record CountsSnapshot(ulong Size, long Time, List<ActiveCount> Counts);

    /// <summary>Orders in force and their targets, by authority and category.</summary>
    public sealed record ActiveCount(string Authority, string Category, long Orders, long Targets);

    /// <summary>Counts of the orders in force now, by authority and category. They take a pass over every target, so
    /// they are kept until the log grows or a minute passes (orders come into and out of force with time).</summary>
    public List<ActiveCount> ActiveCounts()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        ulong size = _log.Size;
        CountsSnapshot? cached = Volatile.Read(ref _activeCounts);
        if (cached is not null && cached.Size == size && now - cached.Time < 60_000)
        {
            return cached.Counts;
        }

        List<ActiveCount> counts = CountActive(now);
        Volatile.Write(ref _activeCounts, new CountsSnapshot(size, now, counts));
        return counts;
    }

    private List<ActiveCount> CountActive(long now)
    {
        using SqliteConnection connection = _database.Open();
        using SqliteCommand query = RegistryDatabase.Command(connection, null,
            "SELECT o.authority, o.category, count(DISTINCT o.decision), count(t.value) FROM orders o " +
            "LEFT JOIN order_targets t ON t.authority = o.authority AND t.decision = o.decision " +
            "WHERE o.revoked_ms IS NULL AND o.effective_ms <= $now AND (o.expires_ms IS NULL OR o.expires_ms > $now) " +
            "GROUP BY o.authority, o.category ORDER BY o.authority, o.category", ("$now", now));
        using SqliteDataReader reader = query.ExecuteReader();
        var counts = new List<ActiveCount>();
        while (reader.Read())
        {
            counts.Add(new ActiveCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return counts;
    }

    /// <summary>Which active orders cover a name, a URL or an IP address.</summary>
    public LookupResult Lookup(string? name, string? url, string? ip)
    {
        int given = (name is null ? 0 : 1) + (url is null ? 0 : 1) + (ip is null ? 0 : 1);
        if (given != 1)
        {
            throw RegistryProblem.Invalid("name", "a lookup takes exactly one of name, url and ip");
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using SqliteConnection connection = _database.Open();
        var matches = new List<LookupMatch>();
        string kind;
        string canonical;
        string query;
        if (name is not null)
        {
            query = name;
            kind = "name";
            if (!DomainName.TryParse(name, out DomainName domain, out string? error))
            {
                throw RegistryProblem.Invalid("name", $"'{name}' is not a domain name: {error}");
            }

            canonical = domain.Value;
            MatchName(connection, domain, now, matches);
        }
        else if (url is not null)
        {
            query = url;
            kind = "url";
            if (!UrlKey.TryParse(url, out UrlKey key, out string? error))
            {
                throw RegistryProblem.Invalid("url", $"'{url}' is not an http(s) URL: {error}");
            }

            canonical = key.Value;
            MatchUrl(connection, key, now, matches);
            string host = key.Host.ToString();
            if (host.StartsWith('['))
            {
                host = host[1..^1];
            }

            if (IPAddress.TryParse(host, out IPAddress? hostAddress))
            {
                MatchAddress(connection, hostAddress, now, matches);
            }
            else if (DomainName.TryParse(host, out DomainName domain))
            {
                MatchName(connection, domain, now, matches);
            }
        }
        else
        {
            query = ip!;
            kind = "ip";
            if (!IPAddress.TryParse(ip, out IPAddress? address) || ip!.Contains('%', StringComparison.Ordinal) || ip.Contains('/', StringComparison.Ordinal))
            {
                throw RegistryProblem.Invalid("ip", $"'{ip}' is not an IPv4 or IPv6 address");
            }

            canonical = address.ToString();
            MatchAddress(connection, address, now, matches);
        }

        return new LookupResult(query, kind, canonical, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(now)), matches);
    }

    private void MatchName(SqliteConnection connection, DomainName domain, long now, List<LookupMatch> matches)
    {
        var candidates = new List<(string Value, string Match)> { (domain.Value, "exact") };
        DomainName current = domain;
        while (current.TryGetParent(out DomainName parent))
        {
            candidates.Add(("*." + parent.Value, "wildcard"));
            current = parent;
        }

        MatchValues(connection, candidates, ["domain", "pattern"], now, matches);
    }

    private void MatchUrl(SqliteConnection connection, UrlKey key, long now, List<LookupMatch> matches)
    {
        string value = key.Value;
        var candidates = new List<(string Value, string Match)> { (value, "exact") };

        // A URL target whose path ends in '/' covers every URL below that path.
        int pathStart = value.IndexOf('/', value.IndexOf("//", StringComparison.Ordinal) + 2);
        int end = value.IndexOfAny(['?', '#']);
        string path = end < 0 ? value : value[..end];
        for (int slash = pathStart; slash >= 0 && slash < path.Length; slash = path.IndexOf('/', slash + 1))
        {
            string prefix = path[..(slash + 1)];
            if (prefix != value)
            {
                candidates.Add((prefix, "path-prefix"));
            }
        }

        MatchValues(connection, candidates, ["url"], now, matches);
    }

    private void MatchValues(SqliteConnection connection, List<(string Value, string Match)> candidates, string[] kinds, long now, List<LookupMatch> matches)
    {
        using SqliteCommand query = RegistryDatabase.Command(connection, null,
            "SELECT t.authority, t.decision, t.kind, o.category FROM order_targets t JOIN orders o ON o.authority = t.authority AND o.decision = t.decision " +
            "WHERE t.value = $v AND o.revoked_ms IS NULL AND o.effective_ms <= $now AND (o.expires_ms IS NULL OR o.expires_ms > $now) ORDER BY t.authority, t.decision",
            ("$v", ""), ("$now", now));
        foreach ((string value, string match) in candidates)
        {
            query.Parameters["$v"].Value = value;
            using SqliteDataReader reader = query.ExecuteReader();
            while (reader.Read())
            {
                string kind = reader.GetString(2);
                if (Array.IndexOf(kinds, kind) < 0)
                {
                    continue;
                }

                string authority = reader.GetString(0);
                string decision = reader.GetString(1);
                matches.Add(new LookupMatch(Reference(authority, decision), OrderUrl(authority, decision), authority, reader.GetString(3), value, kind, match));
            }
        }
    }

    private void MatchAddress(SqliteConnection connection, IPAddress address, long now, List<LookupMatch> matches)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] key = AddressBytes(address);
        int family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4;
        using SqliteCommand query = RegistryDatabase.Command(connection, null,
            "SELECT t.authority, t.decision, t.value, o.category FROM order_targets t JOIN orders o ON o.authority = t.authority AND o.decision = t.decision " +
            "WHERE t.family = $family AND t.ip_start <= $ip AND t.ip_end >= $ip AND o.revoked_ms IS NULL AND o.effective_ms <= $now AND (o.expires_ms IS NULL OR o.expires_ms > $now) " +
            "ORDER BY t.authority, t.decision",
            ("$family", family), ("$ip", key), ("$now", now));
        using SqliteDataReader reader = query.ExecuteReader();
        while (reader.Read())
        {
            string authority = reader.GetString(0);
            string decision = reader.GetString(1);
            string value = reader.GetString(2);
            bool host = value.EndsWith(family == 4 ? "/32" : "/128", StringComparison.Ordinal);
            matches.Add(new LookupMatch(Reference(authority, decision), OrderUrl(authority, decision), authority, reader.GetString(3), value, "prefix", host ? "exact" : "covering-prefix"));
        }
    }

    private string Status(OrderRow order)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return order.RevokedMs is not null ? "revoked"
            : order.EffectiveMs > now ? "pending"
            : order.ExpiresMs is not null && order.ExpiresMs <= now ? "expired"
            : "active";
    }

    private static OrderRow? LoadOrder(SqliteConnection connection, SqliteTransaction? transaction, string authority, string decision)
    {
        using SqliteCommand query = RegistryDatabase.Command(connection, transaction, $"SELECT {OrderColumns} FROM orders WHERE authority = $a AND decision = $d",
            ("$a", authority), ("$d", decision));
        using SqliteDataReader reader = query.ExecuteReader();
        return reader.Read() ? ReadOrder(reader) : null;
    }

    private static OrderRow ReadOrder(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
        reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetInt64(9));
}
