using System.Data;
using System.Text;

namespace Palisade.Registry.Storage;

/// <summary>
/// The registry's tables, written once: their columns (in the order <c>migrate</c> copies them and the start-up check
/// compares them with the log), the columns that order their rows, keys and indexes. Each store's DDL is generated from
/// this with its own names for the integer and binary types (<see cref="Ddl"/>).
/// </summary>
internal static class RegistrySchema
{
    private const string NotNull = "NOT NULL";
    private const string Key = "PRIMARY KEY";

    public static readonly SchemaTable[] Tables =
    [
        new("meta", "key", [new("key", DbType.String, Key), new("value", DbType.String, NotNull)]),
        new("log_entries", "idx", [new("idx", DbType.Int64, Key), new("data", DbType.Binary, NotNull), new("leaf_hash", DbType.Binary, NotNull)]),
        new("checkpoints", "size", [new("size", DbType.Int64, Key), new("root", DbType.Binary, NotNull), new("note", DbType.String, NotNull)]),
        new("authorities", "log_index", [new("id", DbType.String, Key), new("name", DbType.String, NotNull), new("jurisdiction", DbType.String, NotNull),
            new("url", DbType.String, NotNull), new("log_index", DbType.Int64, NotNull)]),
        new("api_keys", "log_index", [new("id", DbType.String, Key), new("secret_hash", DbType.Binary, NotNull), new("role", DbType.String, NotNull),
            new("authority", DbType.String, "REFERENCES authorities(id)"), new("created", DbType.String, NotNull), new("revoked", DbType.String),
            new("log_index", DbType.Int64, NotNull)]),
        new("orders", "issued_ms, authority, decision", [new("authority", DbType.String, "NOT NULL REFERENCES authorities(id)"), new("decision", DbType.String, NotNull),
            new("decision_date", DbType.String, NotNull), new("legal_basis", DbType.String, NotNull), new("category", DbType.String, NotNull),
            new("issuing_body", DbType.String, NotNull), new("summary", DbType.String, NotNull), new("effective_ms", DbType.Int64, NotNull),
            new("expires_ms", DbType.Int64), new("revoked_ms", DbType.Int64), new("revoke_reason", DbType.String), new("issued_ms", DbType.Int64, NotNull)],
            PrimaryKey: "authority, decision"),
        new("order_events", "log_index", [new("log_index", DbType.Int64, Key), new("entries", DbType.Int64, NotNull), new("authority", DbType.String, NotNull),
            new("decision", DbType.String, NotNull), new("type", DbType.String, NotNull), new("time_ms", DbType.Int64, NotNull)],
            Indexes: [("order_events_order", "authority, decision")]),
        new("order_targets", "authority, decision, value", [new("authority", DbType.String, NotNull), new("decision", DbType.String, NotNull),
            new("kind", DbType.String, NotNull), new("value", DbType.String, NotNull), new("family", DbType.Int64), new("ip_start", DbType.Binary),
            new("ip_end", DbType.Binary)], PrimaryKey: "authority, decision, value",
            Indexes: [("order_targets_value", "value"), ("order_targets_ip", "family, ip_start")]),
        new("versions", "version", [new("version", DbType.Int64, Key), new("log_size", DbType.Int64, NotNull), new("log_index", DbType.Int64, NotNull),
            new("bundle_sha256", DbType.Binary, NotNull), new("delta_sha256", DbType.Binary, NotNull), new("entries", DbType.Int64, NotNull),
            new("time_ms", DbType.Int64, NotNull)]),
        new("operators", "log_index", [new("id", DbType.String, Key), new("name", DbType.String, NotNull), new("kind", DbType.String, NotNull),
            new("country", DbType.String, NotNull), new("url", DbType.String, NotNull), new("log_index", DbType.Int64, NotNull)]),
        new("points", "log_index", [new("id", DbType.String, Key), new("operator", DbType.String, NotNull), new("vkey", DbType.String, NotNull),
            new("log_index", DbType.Int64, NotNull)]),
        new("point_acks", "log_index", [new("log_index", DbType.Int64, Key), new("point", DbType.String, NotNull), new("version", DbType.Int64, NotNull),
            new("signed_time", DbType.Int64, NotNull)]),
        new("witnessed_logs", "origin", [new("origin", DbType.String, Key), new("vkey", DbType.String, NotNull), new("size", DbType.Int64, NotNull),
            new("root", DbType.Binary), new("note", DbType.String)]),
        new("mirrored_logs", "origin", [new("origin", DbType.String, Key), new("url", DbType.String, NotNull), new("vkey", DbType.String, NotNull),
            new("note", DbType.String), new("fork_reason", DbType.String), new("fork_note", DbType.String)]),
        new("mirrored_entries", "origin, idx", [new("origin", DbType.String, NotNull), new("idx", DbType.Int64, NotNull), new("data", DbType.Binary, NotNull)],
            PrimaryKey: "origin, idx"),
        new("probes", "log_index", [new("id", DbType.String, Key), new("operator", DbType.String), new("asn", DbType.String, NotNull),
            new("vkey", DbType.String, NotNull), new("log_index", DbType.Int64, NotNull)]),
        // Console sessions (schema 6): a session lives while its row does; sign-out, rotation and revocation delete it.
        new("console_sessions", "id", [new("id", DbType.String, Key), new("key_id", DbType.String, NotNull), new("expires_ms", DbType.Int64, NotNull)],
            Indexes: [("console_sessions_key", "key_id")]),
        // Report ids are the probe's own: two probes may use one (schema 6).
        new("probe_reports", "probe, report, batch", [new("report", DbType.String, NotNull), new("batch", DbType.Int64, NotNull), new("probe", DbType.String, NotNull),
            new("note", DbType.String, NotNull), new("received_ms", DbType.Int64, NotNull), new("measurements", DbType.Int64, NotNull),
            new("bytes", DbType.Int64, "NOT NULL DEFAULT 0")],
            PrimaryKey: "probe, report, batch", Indexes: [("probe_reports_received", "probe, received_ms")]),
        new("measurements", "probe, report, seq", [new("report", DbType.String, NotNull), new("seq", DbType.Int64, NotNull), new("probe", DbType.String, NotNull),
            new("network", DbType.String, NotNull), new("input", DbType.String, NotNull), new("order_ref", DbType.String), new("verdict", DbType.String, NotNull),
            new("blocking", DbType.String), new("entry", DbType.String), new("cause", DbType.String), new("version", DbType.Int64, NotNull),
            new("measured_ms", DbType.Int64, NotNull), new("line", DbType.String, NotNull)], PrimaryKey: "probe, report, seq",
            Indexes: [("measurements_latest", "network, input, measured_ms"), ("measurements_order", "order_ref")]),
    ];

    /// <summary>The DDL that creates every table and index missing.</summary>
    /// <param name="integer">The store's 64-bit integer type (SQLite <c>INTEGER</c>, so that an integer primary key is the
    /// rowid; PostgreSQL <c>BIGINT</c>).</param>
    /// <param name="binary">The store's byte-string type (<c>BLOB</c>, <c>BYTEA</c>).</param>
    /// <param name="orderSequence">A column the store adds first to <c>orders</c> to keep their insertion order (null:
    /// none; SQLite has its rowid).</param>
    /// <param name="only">The tables to create (null: all).</param>
    public static string Ddl(string integer, string binary, string? orderSequence, IReadOnlySet<string>? only = null)
    {
        var sql = new StringBuilder();
        foreach (SchemaTable table in Tables)
        {
            if (only is not null && !only.Contains(table.Name))
            {
                continue;
            }

            sql.Append("CREATE TABLE IF NOT EXISTS ").Append(table.Name).Append(" (");
            var parts = new List<string>();
            if (table.Name == "orders" && orderSequence is not null)
            {
                parts.Add(orderSequence);
            }

            foreach (SchemaColumn column in table.Columns)
            {
                string type = column.Type switch
                {
                    DbType.Int64 => integer,
                    DbType.Binary => binary,
                    _ => "TEXT",
                };
                parts.Add(column.Constraint.Length == 0 ? $"{column.Name} {type}" : $"{column.Name} {type} {column.Constraint}");
            }

            if (table.PrimaryKey is not null)
            {
                parts.Add($"PRIMARY KEY ({table.PrimaryKey})");
            }

            sql.AppendJoin(", ", parts).Append(");\n");
            foreach ((string name, string columns) in table.Indexes ?? [])
            {
                sql.Append("CREATE INDEX IF NOT EXISTS ").Append(name).Append(" ON ").Append(table.Name).Append(" (").Append(columns).Append(");\n");
            }
        }

        return sql.ToString();
    }
}

/// <summary>Changes to stores written by earlier builds.</summary>
internal static class SchemaUpgrades
{
    /// <summary>The tables schema 6 keys by probe (<c>probe_reports</c>, <c>measurements</c>).</summary>
    public static readonly IReadOnlySet<string> ProbeTables = new HashSet<string>(StringComparer.Ordinal) { "probe_reports", "measurements" };

    /// <summary>Schema 5 to 6: the probe tables are made again with the probe in their keys (and a report's bytes), and
    /// their rows copied over.</summary>
    /// <param name="create">The DDL of the two tables in schema 6, for this store.</param>
    public static string ProbeTablesKeyedByProbe(string create)
    {
        var sql = new StringBuilder();
        sql.Append("DROP INDEX IF EXISTS measurements_latest;\nDROP INDEX IF EXISTS measurements_order;\n");
        sql.Append("ALTER TABLE probe_reports RENAME TO probe_reports_v5;\nALTER TABLE measurements RENAME TO measurements_v5;\n");
        sql.Append(create);
        foreach (SchemaTable table in RegistrySchema.Tables.Where(t => ProbeTables.Contains(t.Name)))
        {
            string columns = string.Join(", ", table.Columns.Where(c => c.Name != "bytes").Select(c => c.Name));
            sql.Append($"INSERT INTO {table.Name} ({columns}) SELECT {columns} FROM {table.Name}_v5;\nDROP TABLE {table.Name}_v5;\n");
        }

        return sql.ToString();
    }
}

/// <summary>A table of the registry's store.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Order">The columns that order its rows (for copying and comparing).</param>
/// <param name="Columns">Its columns, in order.</param>
/// <param name="PrimaryKey">A primary key of several columns (a single column's is in its constraint).</param>
/// <param name="Indexes">Its indexes: name and columns.</param>
internal sealed record SchemaTable(string Name, string Order, SchemaColumn[] Columns, string? PrimaryKey = null, (string Name, string Columns)[]? Indexes = null)
{
    /// <summary>The table as copying and comparing rows need it: name, order, and each column's name and type.</summary>
    public void Deconstruct(out string name, out string order, out (string Name, DbType Type)[] columns)
    {
        name = Name;
        order = Order;
        columns = [.. Columns.Select(c => (c.Name, c.Type))];
    }
}

/// <summary>A column of a <see cref="SchemaTable"/>.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its type: text, 64-bit integer or bytes.</param>
/// <param name="Constraint">What follows the type in the DDL (<c>PRIMARY KEY</c>, <c>NOT NULL</c>, a reference).</param>
internal sealed record SchemaColumn(string Name, DbType Type, string Constraint = "");
