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
