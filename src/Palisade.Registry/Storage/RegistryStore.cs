using System.Data;
using System.Data.Common;

namespace Palisade.Registry.Storage;

/// <summary>
/// Where a registry keeps its log and the tables derived from it: SQLite (one file, the embedded default) or
/// PostgreSQL (by connection string). Both hold the same schema ideas and answer through the same
/// <see cref="RegistrySession"/>; the SQL lives in these classes and nowhere else.
/// </summary>
internal abstract class RegistryStore : IDisposable
{
    /// <summary>The schema this build reads and writes (2: the witness's table <c>witnessed_logs</c>; 3: the mirrors of
    /// foreign logs, <c>mirrored_logs</c> and <c>mirrored_entries</c>; 4: <c>operators</c>, <c>points</c> and <c>point_acks</c>; 5: <c>probes</c>, <c>probe_reports</c> and <c>measurements</c>; 6: the probe
    /// tables keyed by probe, a report's bytes, and <c>console_sessions</c>). Older stores are upgraded by creating the tables, and from 5 by
    /// making the probe tables again (<see cref="SchemaUpgrades.ProbeTablesKeyedByProbe"/>).</summary>
    public const int SchemaVersion = 6;

    /// <summary>Where the store is, for messages (a file path, or host, port and database).</summary>
    public abstract string Description { get; }

    /// <summary>The column that orders rows in the order they were issued (a cursor no two orders share).</summary>
    internal abstract string OrderSequence { get; }

    /// <summary>Opens the store for one of the registry's jobs.</summary>
    public static RegistryStore Open(RegistryOptions options) =>
        options.Database is { Length: > 0 } connection ? new PostgresRegistryStore(connection) : new SqliteRegistryStore(options.ResolvedDatabasePath);

    /// <summary>Creates the schema on an empty store and refuses a store of another schema version.</summary>
    /// <exception cref="RegistryConfigurationException">The store cannot be used; the message says why.</exception>
    public void Initialize()
    {
        Prepare();
        using RegistrySession session = BeginWrite();
        session.Execute(SchemaSql);
        string? version = session.GetMeta("schema_version");
        string mine = SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (version is null or "1" or "2" or "3" or "4")
        {
            // Versions 2 to 5 only add tables, which the schema statements above just created.
            session.SetMeta("schema_version", mine);
        }
        else if (version == "5")
        {
            session.Execute(SchemaUpgrades.ProbeTablesKeyedByProbe(TableSql(SchemaUpgrades.ProbeTables)));
            session.SetMeta("schema_version", mine);
        }
        else if (version != mine)
        {
            throw new RegistryConfigurationException(int.TryParse(version, out int theirs) && theirs > SchemaVersion
                ? $"{Description} has schema version {version}, newer than version {SchemaVersion} that this build of Palisade reads; run a newer build"
                : $"{Description} has schema version {version}; this build reads version {SchemaVersion}");
        }

        session.Commit();
    }

    /// <summary>Closes the store's pooled connections (SQLite then folds its write-ahead log into the file).</summary>
    public abstract void Dispose();

    /// <summary>Whether several registry processes may share the store, each following the others' appends.</summary>
    public virtual bool IsShared => false;

    /// <summary>The notification channel appends are announced on; null when no other process listens.</summary>
    internal virtual string? AppendChannel => null;

    /// <summary>
    /// Tries to become the one process that publishes registry versions, for as long as the returned claim is held (a
    /// store only one process uses grants it at once). Null when another process holds it.
    /// </summary>
    public virtual IDisposable? TryClaimPublisher() => new NoClaim();

    /// <summary>Calls <paramref name="appended"/> with the new log size whenever another process announces an append,
    /// until <paramref name="cancellationToken"/>; returns at once for a store only one process uses.</summary>
    public virtual Task ListenAsync(Action<long> appended, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A session for reads; with <paramref name="snapshot"/>, all its reads see one state of the store.</summary>
    public RegistrySession OpenRead(bool snapshot = false)
    {
        DbConnection connection = OpenConnection();
        try
        {
            return new RegistrySession(this, connection, snapshot ? BeginSnapshot(connection) : null);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A session holding the store's one write transaction; <see cref="RegistrySession.Commit"/> makes it
    /// durable before it returns.</summary>
    public RegistrySession BeginWrite()
    {
        if (KeepsWriteConnection)
        {
            // One connection for every write, with its statements prepared once: writes are one at a time anyway.
            _writeGate.Wait();
            try
            {
                _writeConnection ??= OpenConnection();
                return new RegistrySession(this, _writeConnection, BeginWriteTransaction(_writeConnection), _writeStatements, () => _writeGate.Release());
            }
            catch
            {
                _writeGate.Release();
                throw;
            }
        }

        DbConnection connection = OpenConnection();
        try
        {
            return new RegistrySession(this, connection, BeginWriteTransaction(connection));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<string, DbCommand> _writeStatements = new(StringComparer.Ordinal);
    private DbConnection? _writeConnection;

    /// <summary>Whether a write session holds the rows of <see cref="PendingRows"/> and writes them together
    /// (<see cref="InsertRows"/>): worth it where every statement is a round trip.</summary>
    internal virtual bool BatchesRows => false;

    /// <summary>Writes the rows a write session held, one statement per table, in the session's transaction.</summary>
    internal virtual void InsertRows(DbConnection connection, DbTransaction transaction, PendingRows rows) =>
        throw new NotSupportedException($"{Description} writes rows one by one");

    /// <summary>Whether writes keep one connection and its prepared statements (a store in this process, where
    /// preparing a statement costs more than running it).</summary>
    protected virtual bool KeepsWriteConnection => false;

    /// <summary>Closes the connection kept for writes.</summary>
    protected void CloseWriteConnection()
    {
        _writeGate.Wait();
        try
        {
            foreach (DbCommand statement in _writeStatements.Values)
            {
                statement.Dispose();
            }

            _writeStatements.Clear();
            _writeConnection?.Dispose();
            _writeConnection = null;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Work before the schema is created (such as creating the file and choosing its journal).</summary>
    protected virtual void Prepare()
    {
    }

    /// <summary>The schema, as statements that do nothing when it exists.</summary>
    protected string SchemaSql => TableSql(null);

    /// <summary>The DDL creating the given tables (null: all) in this store's types.</summary>
    protected abstract string TableSql(IReadOnlySet<string>? only);

    /// <summary>An open connection with the store's settings.</summary>
    protected abstract DbConnection OpenConnection();

    /// <summary>A transaction that writers take one at a time.</summary>
    protected abstract DbTransaction BeginWriteTransaction(DbConnection connection);

    /// <summary>A read transaction over one consistent state.</summary>
    protected virtual DbTransaction BeginSnapshot(DbConnection connection) => connection.BeginTransaction(IsolationLevel.RepeatableRead);

    private sealed class NoClaim : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
