using Microsoft.Data.Sqlite;

namespace Palisade.Registry;

/// <summary>
/// The SQLite file: WAL journal, <c>synchronous=FULL</c> so that a committed transaction is on disk before the commit
/// returns, one writer at a time (the registry serialises writes), readers on their own pooled connections.
/// </summary>
internal sealed class RegistryDatabase
{
    private const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS log_entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, leaf_hash BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS authorities (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, jurisdiction TEXT NOT NULL, url TEXT NOT NULL, log_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, role TEXT NOT NULL, authority TEXT REFERENCES authorities(id),
            created TEXT NOT NULL, revoked TEXT, log_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS orders (
            authority TEXT NOT NULL REFERENCES authorities(id), decision TEXT NOT NULL, decision_date TEXT NOT NULL,
            legal_basis TEXT NOT NULL, category TEXT NOT NULL, issuing_body TEXT NOT NULL, summary TEXT NOT NULL,
            effective_ms INTEGER NOT NULL, expires_ms INTEGER, revoked_ms INTEGER, revoke_reason TEXT,
            issued_ms INTEGER NOT NULL, PRIMARY KEY (authority, decision));
        CREATE TABLE IF NOT EXISTS order_events (
            log_index INTEGER PRIMARY KEY, entries INTEGER NOT NULL, authority TEXT NOT NULL, decision TEXT NOT NULL,
            type TEXT NOT NULL, time_ms INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS order_events_order ON order_events (authority, decision);
        CREATE TABLE IF NOT EXISTS order_targets (
            authority TEXT NOT NULL, decision TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
            family INTEGER, ip_start BLOB, ip_end BLOB, PRIMARY KEY (authority, decision, value));
        CREATE INDEX IF NOT EXISTS order_targets_value ON order_targets (value);
        CREATE INDEX IF NOT EXISTS order_targets_ip ON order_targets (family, ip_start);
        CREATE TABLE IF NOT EXISTS versions (
            version INTEGER PRIMARY KEY, log_size INTEGER NOT NULL, log_index INTEGER NOT NULL, bundle_sha256 BLOB NOT NULL,
            delta_sha256 BLOB NOT NULL, entries INTEGER NOT NULL, time_ms INTEGER NOT NULL);
        """;

    private readonly string _connectionString;

    public RegistryDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens a connection with the registry's pragmas applied.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using SqliteCommand pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Creates the schema on a new file, switches it to WAL, and refuses a file of another schema version.</summary>
    public void Initialize()
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using SqliteConnection connection = Open();
        using (SqliteCommand wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            string? mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new RegistryConfigurationException($"the database {Path} cannot use WAL journaling (journal_mode is {mode})");
            }
        }

        using SqliteTransaction transaction = connection.BeginTransaction();
        using (SqliteCommand create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = Schema;
            create.ExecuteNonQuery();
        }

        string? version = GetMeta(connection, transaction, "schema_version");
        if (version is null)
        {
            SetMeta(connection, transaction, "schema_version", SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new RegistryConfigurationException($"the database {Path} has schema version {version}; this build reads version {SchemaVersion}");
        }

        transaction.Commit();
    }

    public static string? GetMeta(SqliteConnection connection, SqliteTransaction? transaction, string key)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    public static void SetMeta(SqliteConnection connection, SqliteTransaction? transaction, string key, string value)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
