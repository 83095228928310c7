using System.Data;

namespace Palisade.Registry.Storage;

/// <summary>
/// Copies a registry from one store into an empty one (<c>palisade migrate</c>): every table, in one transaction on the
/// target, orders in the order they were issued. The log's entries and signed checkpoints are copied byte for byte, so
/// the copy has the same size and root and the registry serves from it at once with the same log key.
/// </summary>
internal static class RegistryMigration
{
    private static readonly (string Table, string Order, (string Name, DbType Type)[] Columns)[] s_tables =
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
    ];

    /// <summary>Copies <paramref name="from"/> into <paramref name="to"/>, which must hold no log.</summary>
    /// <exception cref="RegistryConfigurationException">The target already holds a registry.</exception>
    public static void Copy(RegistryStore from, RegistryStore to, IProgress<(string Table, long Rows)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        from.Initialize();
        to.Initialize();
        using RegistrySession source = from.OpenRead(snapshot: true);
        using RegistrySession target = to.BeginWrite();
        if (!target.IsEmpty())
        {
            throw new RegistryConfigurationException($"{to.Description} already holds a registry (origin {target.GetMeta("origin") ?? "unknown"}); migrate copies into an empty database only");
        }

        // The schema version row exists on both sides already.
        target.Execute("DELETE FROM meta");
        foreach ((string table, string order, (string Name, DbType Type)[] columns) in s_tables)
        {
            long rows = target.InsertRows(table, columns, source.ReadRows(table, columns, order));
            progress?.Report((table, rows));
        }

        target.Commit();
    }
}
