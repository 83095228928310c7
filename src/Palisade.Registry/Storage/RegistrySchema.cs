using System.Data;

namespace Palisade.Registry.Storage;

/// <summary>The registry's tables and their columns, in the order <c>migrate</c> copies them and the start-up check
/// compares them with the log; each table with the columns that order its rows.</summary>
internal static class RegistrySchema
{
    public static readonly (string Table, string Order, (string Name, DbType Type)[] Columns)[] Tables =
    [
        ("meta", "key", [("key", DbType.String), ("value", DbType.String)]),
        ("log_entries", "idx", [("idx", DbType.Int64), ("data", DbType.Binary), ("leaf_hash", DbType.Binary)]),
        ("checkpoints", "size", [("size", DbType.Int64), ("root", DbType.Binary), ("note", DbType.String)]),
        ("authorities", "log_index", [("id", DbType.String), ("name", DbType.String), ("jurisdiction", DbType.String), ("url", DbType.String), ("log_index", DbType.Int64)]),
        ("api_keys", "log_index", [("id", DbType.String), ("secret_hash", DbType.Binary), ("role", DbType.String), ("authority", DbType.String), ("created", DbType.String),
            ("revoked", DbType.String), ("log_index", DbType.Int64)]),
        ("orders", "issued_ms, authority, decision", [("authority", DbType.String), ("decision", DbType.String), ("decision_date", DbType.String), ("legal_basis", DbType.String),
            ("category", DbType.String), ("issuing_body", DbType.String), ("summary", DbType.String), ("effective_ms", DbType.Int64), ("expires_ms", DbType.Int64),
            ("revoked_ms", DbType.Int64), ("revoke_reason", DbType.String), ("issued_ms", DbType.Int64)]),
        ("order_events", "log_index", [("log_index", DbType.Int64), ("entries", DbType.Int64), ("authority", DbType.String), ("decision", DbType.String), ("type", DbType.String),
            ("time_ms", DbType.Int64)]),
        ("order_targets", "authority, decision, value", [("authority", DbType.String), ("decision", DbType.String), ("kind", DbType.String), ("value", DbType.String),
            ("family", DbType.Int64), ("ip_start", DbType.Binary), ("ip_end", DbType.Binary)]),
        ("versions", "version", [("version", DbType.Int64), ("log_size", DbType.Int64), ("log_index", DbType.Int64), ("bundle_sha256", DbType.Binary),
            ("delta_sha256", DbType.Binary), ("entries", DbType.Int64), ("time_ms", DbType.Int64)]),
        ("operators", "log_index", [("id", DbType.String), ("name", DbType.String), ("kind", DbType.String), ("country", DbType.String), ("url", DbType.String),
            ("log_index", DbType.Int64)]),
        ("points", "log_index", [("id", DbType.String), ("operator", DbType.String), ("vkey", DbType.String), ("log_index", DbType.Int64)]),
        ("point_acks", "log_index", [("log_index", DbType.Int64), ("point", DbType.String), ("version", DbType.Int64), ("signed_time", DbType.Int64)]),
        ("witnessed_logs", "origin", [("origin", DbType.String), ("vkey", DbType.String), ("size", DbType.Int64), ("root", DbType.Binary), ("note", DbType.String)]),
        ("mirrored_logs", "origin", [("origin", DbType.String), ("url", DbType.String), ("vkey", DbType.String), ("note", DbType.String), ("fork_reason", DbType.String),
            ("fork_note", DbType.String)]),
        ("mirrored_entries", "origin, idx", [("origin", DbType.String), ("idx", DbType.Int64), ("data", DbType.Binary)]),
        ("probes", "log_index", [("id", DbType.String), ("operator", DbType.String), ("asn", DbType.String), ("vkey", DbType.String), ("log_index", DbType.Int64)]),
        ("probe_reports", "report, batch", [("report", DbType.String), ("batch", DbType.Int64), ("probe", DbType.String), ("note", DbType.String), ("received_ms", DbType.Int64), ("measurements", DbType.Int64)]),
        ("measurements", "report, seq", [("report", DbType.String), ("seq", DbType.Int64), ("probe", DbType.String), ("network", DbType.String), ("input", DbType.String),
            ("order_ref", DbType.String), ("verdict", DbType.String), ("blocking", DbType.String), ("entry", DbType.String), ("cause", DbType.String),
            ("version", DbType.Int64), ("measured_ms", DbType.Int64), ("line", DbType.String)]),
    ];
}
