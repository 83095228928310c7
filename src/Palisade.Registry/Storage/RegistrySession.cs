using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>
/// One connection to a <see cref="RegistryStore"/>, with a transaction when it writes or reads a snapshot: every
/// statement the registry runs, written once in SQL that SQLite and PostgreSQL both accept (parameters <c>@name</c>,
/// each typed so that a null is typed too).
/// </summary>
internal sealed partial class RegistrySession : IDisposable
{
    private const string OrderColumns = "authority, decision, decision_date, legal_basis, category, issuing_body, summary, effective_ms, expires_ms, revoked_ms";

    private readonly RegistryStore _store;
    private readonly DbConnection _connection;
    private readonly DbTransaction? _transaction;
    private DbCommand? _parameters;
    private readonly Dictionary<string, DbCommand>? _statements;
    private readonly Action? _release;

    /// <summary>Rows waiting to be written together (a write session of a store that batches them), else null.</summary>
    private readonly PendingRows? _rows;

    /// <param name="store">The store the session is of.</param>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The session's transaction; null for a session of single reads.</param>
    /// <param name="statements">Prepared statements of a connection the store keeps (null: the session owns the
    /// connection and closes it).</param>
    /// <param name="release">Runs when the session ends (the store's kept connection is free again).</param>
    public RegistrySession(RegistryStore store, DbConnection connection, DbTransaction? transaction,
        Dictionary<string, DbCommand>? statements = null, Action? release = null)
    {
        _store = store;
        _connection = connection;
        _transaction = transaction;
        _statements = statements;
        _release = release;
        _rows = transaction is not null && store.BatchesRows ? new PendingRows() : null;
    }

    /// <summary>Commits the session's transaction (durably: the stores commit synchronously), after the rows still
    /// waiting.</summary>
    public void Commit()
    {
        FlushRows();
        _transaction?.Commit();
    }

    /// <summary>Writes the rows waiting, before any other statement runs, so statements keep their order.</summary>
    private void FlushRows()
    {
        if (_rows is { IsEmpty: false })
        {
            _store.InsertRows(_connection, _transaction!, _rows);
            _rows.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _parameters?.Dispose();
        _transaction?.Dispose();
        if (_statements is null)
        {
            _connection.Dispose();
        }

        _release?.Invoke();
    }

    /// <summary>Runs statements without parameters (the schema).</summary>
    public void Execute(string sql)
    {
        using DbCommand command = Command(sql);
        command.ExecuteNonQuery();
    }

    // --- meta -----------------------------------------------------------------------------------------------------

    public string? GetMeta(string key) => Scalar("SELECT value FROM meta WHERE key = @key", Text("key", key)) as string;

    public void SetMeta(string key, string value) =>
        NonQuery("INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", Text("key", key), Text("value", value));

    // --- the log ----------------------------------------------------------------------------------------------------

    /// <summary>Every stored entry with its stored leaf hash, in index order.</summary>
    public IEnumerable<(long Index, byte[] Data, byte[] LeafHash)> ReadLog()
    {
        using DbCommand command = Command("SELECT idx, data, leaf_hash FROM log_entries ORDER BY idx");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]);
        }
    }

    /// <summary>Stored entries from index <paramref name="start"/> below <paramref name="end"/>, with their stored leaf hashes.</summary>
    public List<(long Index, byte[] Data, byte[] LeafHash)> ReadLog(long start, long end)
    {
        using DbCommand command = Command("SELECT idx, data, leaf_hash FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx", Int("start", start), Int("end", end));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<(long, byte[], byte[])>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]));
        }

        return list;
    }

    /// <summary>The latest stored checkpoint (the log's size and its signed note); null before the first.</summary>
    public (long Size, string Note)? LatestCheckpoint()
    {
        using DbCommand command = Command("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1");
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Tells the store's other processes that the log grew to <paramref name="size"/>, when this transaction
    /// commits (PostgreSQL NOTIFY; nothing for a store only one process uses).</summary>
    public void AnnounceAppend(long size)
    {
        if (_rows is not null)
        {
            _rows.Announce = size;
            return;
        }

        if (_store.AppendChannel is { } channel)
        {
            NonQuery("SELECT pg_notify(@channel, @size)", Text("channel", channel), Text("size", size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Entries [start, start + count).</summary>
    public List<byte[]> ReadEntries(long start, int count)
    {
        using DbCommand command = Command("SELECT data FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx", Int("start", start), Int("end", start + count));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<byte[]>(count);
        while (reader.Read())
        {
            list.Add((byte[])reader[0]);
        }

        return list;
    }

    public void InsertEntry(long index, byte[] data, byte[] leafHash)
    {
        if (_rows is not null)
        {
            _rows.Entries.Add((index, data, leafHash));
            return;
        }

        NonQuery("INSERT INTO log_entries (idx, data, leaf_hash) VALUES (@idx, @data, @hash)", Int("idx", index), Blob("data", data), Blob("hash", leafHash));
    }

    /// <summary>Every stored checkpoint (size and signed note), by size.</summary>
    public IEnumerable<(long Size, string Note)> ReadCheckpoints()
    {
        using DbCommand command = Command("SELECT size, note FROM checkpoints ORDER BY size");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public void InsertCheckpoint(long size, byte[] root, string note)
    {
        if (_rows is not null)
        {
            _rows.Checkpoint = (size, root, note);
            return;
        }

        NonQuery("INSERT INTO checkpoints (size, root, note) VALUES (@size, @root, @note)", Int("size", size), Blob("root", root), Text("note", note));
    }

    // --- authorities and keys ---------------------------------------------------------------------------------------

    public bool AuthorityExists(string id) => Scalar("SELECT 1 FROM authorities WHERE id = @id", Text("id", id)) is not null;

    public void InsertAuthority(AuthorityView authority) =>
        NonQuery("INSERT INTO authorities (id, name, jurisdiction, url, log_index) VALUES (@id, @name, @jurisdiction, @url, @index)",
            Text("id", authority.Id), Text("name", authority.Name), Text("jurisdiction", authority.Jurisdiction), Text("url", authority.Url), Int("index", authority.LogIndex));

    public List<AuthorityView> ListAuthorities()
    {
        using DbCommand command = Command("SELECT id, name, jurisdiction, url, log_index FROM authorities ORDER BY id");
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<AuthorityView>();
        while (reader.Read())
        {
            list.Add(new AuthorityView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return list;
    }

    public void InsertKey(string id, byte[] secretHash, string role, string? authority, string created, long logIndex) =>
        NonQuery("INSERT INTO api_keys (id, secret_hash, role, authority, created, log_index) VALUES (@id, @hash, @role, @authority, @created, @index)",
            Text("id", id), Blob("hash", secretHash), Text("role", role), Text("authority", authority), Text("created", created), Int("index", logIndex));

    /// <summary>A key's secret hash, role, authority and whether it is revoked; null when there is no such key.</summary>
    public (byte[] SecretHash, string Role, string? Authority, bool Revoked)? FindKey(string id)
    {
        using DbCommand command = Command("SELECT secret_hash, role, authority, revoked FROM api_keys WHERE id = @id", Text("id", id));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? ((byte[])reader[0], reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), !reader.IsDBNull(3)) : null;
    }

    public bool HasAdminKey() => Scalar("SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked IS NULL LIMIT 1") is not null;

    public void RevokeKey(string id, string time) => NonQuery("UPDATE api_keys SET revoked = @now WHERE id = @id", Text("now", time), Text("id", id));

    public void SetKeySecret(string id, byte[] secretHash) => NonQuery("UPDATE api_keys SET secret_hash = @hash WHERE id = @id", Blob("hash", secretHash), Text("id", id));

    // --- orders ---------------------------------------------------------------------------------------------------

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

    // --- versions ---------------------------------------------------------------------------------------------------

    public void InsertVersion(RegistryVersion version) =>
        NonQuery("INSERT INTO versions (version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms) VALUES (@v, @size, @index, @bundle, @delta, @entries, @time)",
            Int("v", (long)version.Version), Int("size", (long)version.LogSize), Int("index", version.LogIndex), Blob("bundle", version.BundleSha256),
            Blob("delta", version.DeltaSha256), Int("entries", version.Entries), Int("time", version.TimeMs));

    public RegistryVersion? GetVersion(ulong version) => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions WHERE version = @v", Int("v", (long)version));

    public RegistryVersion? VersionWithBundle(byte[] sha256) => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions WHERE bundle_sha256 = @h ORDER BY version LIMIT 1", Blob("h", sha256));

    public RegistryVersion? LatestVersion() => ReadVersion(
        "SELECT version, log_size, log_index, bundle_sha256, delta_sha256, entries, time_ms FROM versions ORDER BY version DESC LIMIT 1");

    // --- copying a registry ----------------------------------------------------------------------------------------

    /// <summary>Every row of a table, its columns in the order given, sorted by <paramref name="order"/>.</summary>
    public IEnumerable<object?[]> ReadRows(string table, IReadOnlyList<(string Name, DbType Type)> columns, string order)
    {
        using DbCommand command = Command($"SELECT {string.Join(", ", columns.Select(c => c.Name))} FROM {table} ORDER BY {order}");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            object?[] row = new object?[columns.Count];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            yield return row;
        }
    }

    /// <summary>Inserts rows into a table; returns how many.</summary>
    public long InsertRows(string table, IReadOnlyList<(string Name, DbType Type)> columns, IEnumerable<object?[]> rows)
    {
        using DbCommand command = Command(
            $"INSERT INTO {table} ({string.Join(", ", columns.Select(c => c.Name))}) VALUES ({string.Join(", ", columns.Select(c => "@" + c.Name))})",
            [.. columns.Select(c => Parameter(c.Name, c.Type, null))]);
        long count = 0;
        foreach (object?[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                command.Parameters[i].Value = row[i] ?? DBNull.Value;
            }

            command.ExecuteNonQuery();
            count++;
        }

        return count;
    }

    // --- operators and their enforcement points -------------------------------------------------------------------------

    public bool OperatorExists(string id) => Scalar("SELECT 1 FROM operators WHERE id = @id", Text("id", id)) is not null;

    public void InsertOperator(string id, string name, string kind, string country, string url, long logIndex) =>
        NonQuery("INSERT INTO operators (id, name, kind, country, url, log_index) VALUES (@id, @name, @kind, @country, @url, @index)",
            Text("id", id), Text("name", name), Text("kind", kind), Text("country", country), Text("url", url), Int("index", logIndex));

    public bool PointExists(string id) => Scalar("SELECT 1 FROM points WHERE id = @id", Text("id", id)) is not null;

    public void InsertPoint(string id, string operatorId, string verifierKey, long logIndex) =>
        NonQuery("INSERT INTO points (id, operator, vkey, log_index) VALUES (@id, @operator, @vkey, @index)",
            Text("id", id), Text("operator", operatorId), Text("vkey", verifierKey), Int("index", logIndex));

    /// <summary>A point's operator and verifier key; null when there is no such point.</summary>
    public (string Operator, string VerifierKey)? FindPoint(string id)
    {
        using DbCommand command = Command("SELECT operator, vkey FROM points WHERE id = @id", Text("id", id));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>The signed time of a point's latest acknowledgement; null before the first.</summary>
    public long? LastAckTime(string point) => Scalar("SELECT MAX(signed_time) FROM point_acks WHERE point = @point", Text("point", point)) is { } time
        ? Convert.ToInt64(time, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    /// <summary>The highest version a point acknowledged or transferred; null before the first.</summary>
    public long? LastAckVersion(string point) => Scalar("SELECT MAX(version) FROM point_acks WHERE point = @point", Text("point", point)) is { } version and not DBNull
        ? Convert.ToInt64(version, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public void InsertAck(long logIndex, string point, long version, long signedTime) =>
        NonQuery("INSERT INTO point_acks (log_index, point, version, signed_time) VALUES (@index, @point, @version, @time)",
            Int("index", logIndex), Text("point", point), Int("version", version), Int("time", signedTime));

    /// <summary>Every published version's number, covered log size and time, in order.</summary>
    public List<(long Version, long LogSize, long TimeMs)> VersionTimes() =>
        Rows("SELECT version, log_size, time_ms FROM versions ORDER BY version", r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));

    /// <summary>Every order not revoked: its reference parts, category, and the log index of the event that issued it.</summary>
    public List<(string Authority, string Decision, string Category, long IssuedIndex)> LiveOrders() => Rows(
        "SELECT o.authority, o.decision, o.category, e.log_index FROM orders o JOIN order_events e ON e.authority = o.authority AND e.decision = o.decision AND e.type = 'order.issued' " +
        "WHERE o.revoked_ms IS NULL ORDER BY e.log_index",
        r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3)));

    /// <summary>Every acknowledgement of an operator's points: version and signed time (seconds).</summary>
    public List<(long Version, long SignedTime)> OperatorAcks(string operatorId) =>
        Rows("SELECT a.version, a.signed_time FROM point_acks a JOIN points p ON p.id = a.point WHERE p.operator = @operator",
            r => (r.GetInt64(0), r.GetInt64(1)), Text("operator", operatorId));

    /// <summary>Every acknowledgement of every operator's points: operator, version, signed time (seconds).</summary>
    public List<(string Operator, long Version, long SignedTime)> AllAcks() =>
        Rows("SELECT p.operator, a.version, a.signed_time FROM point_acks a JOIN points p ON p.id = a.point", r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2)));

    /// <summary>Every operator with its points, in the order they were registered.</summary>
    public List<Api.OperatorView> ListOperators()
    {
        var operators = new List<Api.OperatorView>();
        using (DbCommand command = Command("SELECT id, name, kind, country, url, log_index FROM operators ORDER BY log_index"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                operators.Add(new Api.OperatorView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), []));
            }
        }

        using (DbCommand command = Command("SELECT id, operator, vkey, log_index FROM points ORDER BY log_index"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                string operatorId = reader.GetString(1);
                operators.Find(o => o.Id == operatorId)?.Points.Add(new Api.PointView(reader.GetString(0), reader.GetString(2), reader.GetInt64(3), null));
            }
        }

        // Each point's latest acknowledged version (by the point's own signed time).
        using (DbCommand command = Command("SELECT a.point, a.version FROM point_acks a WHERE a.log_index = (SELECT MAX(b.log_index) FROM point_acks b WHERE b.point = a.point)"))
        using (DbDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                string point = reader.GetString(0);
                long version = reader.GetInt64(1);
                foreach (Api.OperatorView op in operators)
                {
                    int at = op.Points.FindIndex(p => p.Id == point);
                    if (at >= 0)
                    {
                        op.Points[at] = op.Points[at] with { AckedVersion = version };
                    }
                }
            }
        }

        return operators;
    }

    // --- witness ----------------------------------------------------------------------------------------------------

    /// <summary>Starts witnessing a log, or changes its verifier key (keeping what was cosigned).</summary>
    public void AddWitnessedLog(string origin, string verifierKey) =>
        NonQuery("INSERT INTO witnessed_logs (origin, vkey, size) VALUES (@origin, @vkey, 0) ON CONFLICT (origin) DO UPDATE SET vkey = excluded.vkey",
            Text("origin", origin), Text("vkey", verifierKey));

    /// <summary>A witnessed log's verifier key and latest cosigned checkpoint (size 0 and no root before the first).</summary>
    public (string VerifierKey, long Size, byte[]? Root)? WitnessedLog(string origin)
    {
        using DbCommand command = Command("SELECT vkey, size, root FROM witnessed_logs WHERE origin = @origin", Text("origin", origin));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : (byte[])reader[2]) : null;
    }

    /// <summary>Every witnessed log: origin, verifier key, latest cosigned size.</summary>
    public List<(string Origin, string VerifierKey, long Size)> WitnessedLogs() =>
        Rows("SELECT origin, vkey, size FROM witnessed_logs ORDER BY origin", r => (r.GetString(0), r.GetString(1), r.GetInt64(2)));

    /// <summary>Records the latest cosigned checkpoint of a witnessed log.</summary>
    public void SetWitnessedCheckpoint(string origin, long size, byte[] root, string note) =>
        NonQuery("UPDATE witnessed_logs SET size = @size, root = @root, note = @note WHERE origin = @origin",
            Int("size", size), Blob("root", root), Text("note", note), Text("origin", origin));

    // --- mirrors of foreign logs ---------------------------------------------------------------------------------------

    /// <summary>Starts mirroring a log, or changes its URL and key (keeping what was verified).</summary>
    public void AddMirroredLog(string origin, string url, string verifierKey) =>
        NonQuery("INSERT INTO mirrored_logs (origin, url, vkey) VALUES (@origin, @url, @vkey) ON CONFLICT (origin) DO UPDATE SET url = excluded.url, vkey = excluded.vkey",
            Text("origin", origin), Text("url", url), Text("vkey", verifierKey));

    /// <summary>A mirrored log's last verified checkpoint and its fork evidence, if any.</summary>
    public (string? Note, string? ForkReason, string? ForkNote)? MirroredLog(string origin)
    {
        using DbCommand command = Command("SELECT note, fork_reason, fork_note FROM mirrored_logs WHERE origin = @origin", Text("origin", origin));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read()
            ? (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>Every verified entry of a mirrored log, in order.</summary>
    public List<byte[]> MirroredEntries(string origin) =>
        Rows("SELECT data FROM mirrored_entries WHERE origin = @origin ORDER BY idx", r => (byte[])r[0], Text("origin", origin));

    /// <summary>Adds verified entries of a mirrored log (another node may have added them already) and its checkpoint.</summary>
    public void AppendMirrored(string origin, long first, IReadOnlyList<byte[]> entries, string note)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            NonQuery("INSERT INTO mirrored_entries (origin, idx, data) VALUES (@origin, @idx, @data) ON CONFLICT (origin, idx) DO NOTHING",
                Text("origin", origin), Int("idx", first + i), Blob("data", entries[i]));
        }

        NonQuery("UPDATE mirrored_logs SET note = @note WHERE origin = @origin", Text("note", note), Text("origin", origin));
    }

    /// <summary>Records the proof that a mirrored log showed two histories.</summary>
    public void SetMirrorFork(string origin, string reason, string conflictingNote) =>
        NonQuery("UPDATE mirrored_logs SET fork_reason = @reason, fork_note = @note WHERE origin = @origin",
            Text("reason", reason), Text("note", conflictingNote), Text("origin", origin));

    /// <summary>Whether the store holds no log yet.</summary>
    public bool IsEmpty() => Scalar("SELECT 1 FROM log_entries LIMIT 1") is null && GetMeta("origin") is null;

    // --- plumbing ---------------------------------------------------------------------------------------------------

    private RegistryVersion? ReadVersion(string sql, params DbParameter[] parameters)
    {
        using DbCommand command = Command(sql, parameters);
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read()
            ? new RegistryVersion((ulong)reader.GetInt64(0), (ulong)reader.GetInt64(1), reader.GetInt64(2), (byte[])reader[3], (byte[])reader[4], (int)reader.GetInt64(5), reader.GetInt64(6))
            : null;
    }

    private static OrderRow ReadOrder(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
        reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetInt64(9));

    /// <summary>Every row of a query, each read by <paramref name="read"/>.</summary>
    private List<T> Rows<T>(string sql, Func<DbDataReader, T> read, params DbParameter[] parameters)
    {
        using DbCommand command = Command(sql, parameters);
        using DbDataReader reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private object? Scalar(string sql, params DbParameter[] parameters)
    {
        using DbCommand command = Command(sql, parameters);
        object? value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private void NonQuery(string sql, params DbParameter[] parameters)
    {
        if (_statements is not null)
        {
            Statement(sql, parameters).ExecuteNonQuery();
            return;
        }

        using DbCommand command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>A prepared statement of the kept connection, with these parameters (not to be disposed).</summary>
    private DbCommand Statement(string sql, DbParameter[] parameters)
    {
        FlushRows();
        if (!_statements!.TryGetValue(sql, out DbCommand? statement))
        {
            statement = _connection.CreateCommand();
            statement.CommandText = sql;
            _statements[sql] = statement;
        }

        statement.Transaction = _transaction;
        statement.Parameters.Clear();
        statement.Parameters.AddRange(parameters);
        return statement;
    }

    private DbCommand Command(string sql, params DbParameter[] parameters)
    {
        FlushRows();
        DbCommand command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        command.Parameters.AddRange(parameters);
        return command;
    }

    private DbParameter Text(string name, string? value) => Parameter(name, DbType.String, value);

    private DbParameter Int(string name, long? value) => Parameter(name, DbType.Int64, value);

    private DbParameter Blob(string name, byte[]? value) => Parameter(name, DbType.Binary, value);

    private DbParameter Parameter(string name, DbType type, object? value)
    {
        _parameters ??= _connection.CreateCommand();
        DbParameter parameter = _parameters.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        return parameter;
    }
}
