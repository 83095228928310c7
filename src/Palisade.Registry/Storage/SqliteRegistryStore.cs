using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Palisade.Registry.Storage;

/// <summary>
/// The registry on one SQLite file: WAL journal, <c>synchronous=FULL</c> so that a committed transaction is on disk
/// before the commit returns, one writer at a time (<c>BEGIN IMMEDIATE</c>), readers on their own pooled connections.
/// </summary>
internal sealed class SqliteRegistryStore : RegistryStore
{
    private readonly string _connectionString;

    public SqliteRegistryStore(string path)
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

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override string Description => "the database " + Path;

    /// <inheritdoc />
    internal override string OrderSequence => "rowid";

    /// <inheritdoc />
    protected override string SchemaSql => """
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
        CREATE TABLE IF NOT EXISTS witnessed_logs (
            origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, size INTEGER NOT NULL, root BLOB, note TEXT);
        CREATE TABLE IF NOT EXISTS operators (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, country TEXT NOT NULL, url TEXT NOT NULL, log_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS points (
            id TEXT PRIMARY KEY, operator TEXT NOT NULL, vkey TEXT NOT NULL, log_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS point_acks (
            log_index INTEGER PRIMARY KEY, point TEXT NOT NULL, version INTEGER NOT NULL, signed_time INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS mirrored_logs (
            origin TEXT PRIMARY KEY, url TEXT NOT NULL, vkey TEXT NOT NULL, note TEXT, fork_reason TEXT, fork_note TEXT);
        CREATE TABLE IF NOT EXISTS mirrored_entries (
            origin TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (origin, idx));
        CREATE TABLE IF NOT EXISTS probes (
            id TEXT PRIMARY KEY, operator TEXT, asn TEXT NOT NULL, vkey TEXT NOT NULL, log_index INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS probe_reports (
            report TEXT NOT NULL, batch INTEGER NOT NULL, probe TEXT NOT NULL, note TEXT NOT NULL, received_ms INTEGER NOT NULL, measurements INTEGER NOT NULL,
            PRIMARY KEY (report, batch));
        CREATE TABLE IF NOT EXISTS measurements (
            report TEXT NOT NULL, seq INTEGER NOT NULL, probe TEXT NOT NULL, network TEXT NOT NULL, input TEXT NOT NULL, order_ref TEXT, verdict TEXT NOT NULL,
            blocking TEXT, entry TEXT, cause TEXT, version INTEGER NOT NULL, measured_ms INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (report, seq));
        CREATE INDEX IF NOT EXISTS measurements_latest ON measurements (network, input, measured_ms);
        CREATE INDEX IF NOT EXISTS measurements_order ON measurements (order_ref);
        """;

    /// <summary>Creates the file's directory, switches a new file to WAL, and checks every page and index.</summary>
    protected override void Prepare()
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using (var connection = (SqliteConnection)OpenConnection())
        using (SqliteCommand wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            string? mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new RegistryConfigurationException($"the database {Path} cannot use WAL journaling (journal_mode is {mode})");
            }
        }

        // A damaged page or index would otherwise surface as failing reads while writes go on (PostgreSQL keeps its
        // own pages whole). quick_check reads every page and checks every index's structure, in time linear in the file.
        using (var connection = (SqliteConnection)OpenConnection())
        using (SqliteCommand check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA quick_check(5)";
            var problems = new List<string>();
            using (SqliteDataReader reader = check.ExecuteReader())
            {
                while (reader.Read())
                {
                    problems.Add(reader.GetString(0));
                }
            }

            if (problems is not ["ok"])
            {
                throw new RegistryConfigurationException($"the database {Path} is damaged ({string.Join("; ", problems)}); restore it from a backup, or rebuild it from a good copy of the log");
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        CloseWriteConnection();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <inheritdoc />
    protected override bool KeepsWriteConnection => true;

    /// <inheritdoc />
    protected override DbConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using SqliteCommand pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <inheritdoc />
    protected override DbTransaction BeginWriteTransaction(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    /// <inheritdoc />
    protected override DbTransaction BeginSnapshot(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);
}
