using System.Data;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Palisade.Registry.Storage;

/// <summary>
/// The registry on PostgreSQL (Npgsql). The same tables as SQLite in PostgreSQL types; a write takes a transaction-level
/// advisory lock, so writers anywhere append to one linear log; commits are durable (<c>synchronous_commit</c> is
/// left at the server's setting, <c>on</c> by default).
/// </summary>
internal sealed class PostgresRegistryStore : RegistryStore
{
    /// <summary>The advisory lock key every writer takes inside its transaction ("palisade" in ASCII).</summary>
    private const long WriterLock = 0x70616c6973616465;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresRegistryStore(string connection)
    {
        ConnectionString = ToConnectionString(connection);
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        Description = $"the PostgreSQL database {builder.Database} at {builder.Host}:{builder.Port}";
        // The registry runs the same few dozen statements over and over: let Npgsql prepare them on the server (unless the
        // connection string says otherwise), which saves parsing and planning on every write.
        var tuned = new NpgsqlConnectionStringBuilder(ConnectionString);
        if (tuned.MaxAutoPrepare == 0)
        {
            tuned.MaxAutoPrepare = 64;
        }

        // A pooled connection goes back to the pool without the reset Npgsql would otherwise send before its next use
        // (about a tenth of a millisecond of the server's time per write): the pooled sessions change no session state (no
        // SET, LISTEN or session lock; those use connections of their own), and an open transaction is still rolled back.
        tuned.NoResetOnClose = true;

        _dataSource = NpgsqlDataSource.Create(tuned.ConnectionString);
    }

    /// <summary>The Npgsql connection string.</summary>
    public string ConnectionString { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    internal override string OrderSequence => "seq";

    /// <inheritdoc />
    protected override string TableSql(IReadOnlySet<string>? only) => RegistrySchema.Ddl("BIGINT", "BYTEA", orderSequence: "seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE", only);

    /// <summary>Takes an Npgsql connection string or a <c>postgresql://user[:password]@host[:port]/database</c> URI.</summary>
    /// <exception cref="RegistryConfigurationException">It is neither.</exception>
    public static string ToConnectionString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(text).ConnectionString;
            }
            catch (ArgumentException e)
            {
                throw new RegistryConfigurationException($"--database is not an Npgsql connection string (Host=…;Port=…;Database=…;Username=…) or a postgresql:// URI: {e.Message}", e);
            }
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0)
        {
            throw new RegistryConfigurationException("--database is not a postgresql://user@host:port/database URI (it is not echoed here: it may hold a password)");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(user[1]);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>The session-level advisory lock the publishing process holds ("palisadP" in ASCII).</summary>
    private const long PublisherLock = 0x70616c6973616450;

    private const string Channel = "palisade_log";

    /// <inheritdoc />
    public override bool IsShared => true;

    /// <inheritdoc />
    internal override string? AppendChannel => Channel;

    /// <inheritdoc />
    public override IDisposable? TryClaimPublisher()
    {
        // Its own connection outside the pool: the lock goes with it when it closes or when the process dies, and
        // another node's next try takes it over.
        NpgsqlConnection connection = Unpooled();
        try
        {
            connection.Open();
            using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", PublisherLock);
            if (command.ExecuteScalar() is true)
            {
                return connection;
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        connection.Dispose();
        return null;
    }

    /// <inheritdoc />
    public override async Task ListenAsync(Action<long> appended, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = Unpooled();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, e) =>
        {
            if (long.TryParse(e.Payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long size))
            {
                appended(size);
            }
        };
        await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    internal override bool BatchesRows => true;

    /// <inheritdoc />
    /// <remarks>One statement: each table's rows go as parallel arrays (one per column) that <c>unnest</c> turns back
    /// into rows in the order they were added (orders take their sequence numbers in that order), each INSERT a
    /// data-modifying WITH query, and the statement's result is the announcement of the new log size.</remarks>
    internal override void InsertRows(DbConnection connection, DbTransaction transaction, PendingRows rows)
    {
        var insert = new RowsStatement(new NpgsqlCommand { Connection = (NpgsqlConnection)connection, Transaction = (NpgsqlTransaction)transaction });
        if (rows.Entries.Count > 0)
        {
            insert.Add("log_entries",
                ("idx", NpgsqlDbType.Bigint, rows.Entries.ConvertAll(r => r.Index).ToArray()),
                ("data", NpgsqlDbType.Bytea, rows.Entries.ConvertAll(r => r.Data).ToArray()),
                ("leaf_hash", NpgsqlDbType.Bytea, rows.Entries.ConvertAll(r => r.LeafHash).ToArray()));
        }

        if (rows.Orders.Count > 0)
        {
            insert.Add("orders",
                ("authority", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.Authority).ToArray()),
                ("decision", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.Decision).ToArray()),
                ("decision_date", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.DecisionDate).ToArray()),
                ("legal_basis", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.LegalBasis).ToArray()),
                ("category", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.Category).ToArray()),
                ("issuing_body", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.IssuingBody).ToArray()),
                ("summary", NpgsqlDbType.Text, rows.Orders.ConvertAll(r => r.Order.Summary).ToArray()),
                ("effective_ms", NpgsqlDbType.Bigint, rows.Orders.ConvertAll(r => r.Order.EffectiveMs).ToArray()),
                ("expires_ms", NpgsqlDbType.Bigint, rows.Orders.ConvertAll(r => r.Order.ExpiresMs).ToArray()),
                ("issued_ms", NpgsqlDbType.Bigint, rows.Orders.ConvertAll(r => r.IssuedMs).ToArray()));
        }

        if (rows.Targets.Count > 0)
        {
            insert.Add("order_targets",
                ("authority", NpgsqlDbType.Text, rows.Targets.ConvertAll(r => r.Authority).ToArray()),
                ("decision", NpgsqlDbType.Text, rows.Targets.ConvertAll(r => r.Decision).ToArray()),
                ("kind", NpgsqlDbType.Text, rows.Targets.ConvertAll(r => r.Kind).ToArray()),
                ("value", NpgsqlDbType.Text, rows.Targets.ConvertAll(r => r.Value).ToArray()),
                ("family", NpgsqlDbType.Bigint, rows.Targets.ConvertAll(r => (long?)r.Family).ToArray()),
                ("ip_start", NpgsqlDbType.Bytea, rows.Targets.ConvertAll(r => r.Start).ToArray()),
                ("ip_end", NpgsqlDbType.Bytea, rows.Targets.ConvertAll(r => r.End).ToArray()));
        }

        if (rows.OrderEvents.Count > 0)
        {
            insert.Add("order_events",
                ("log_index", NpgsqlDbType.Bigint, rows.OrderEvents.ConvertAll(r => r.LogIndex).ToArray()),
                ("entries", NpgsqlDbType.Bigint, rows.OrderEvents.ConvertAll(r => (long)r.Entries).ToArray()),
                ("authority", NpgsqlDbType.Text, rows.OrderEvents.ConvertAll(r => r.Authority).ToArray()),
                ("decision", NpgsqlDbType.Text, rows.OrderEvents.ConvertAll(r => r.Decision).ToArray()),
                ("type", NpgsqlDbType.Text, rows.OrderEvents.ConvertAll(r => r.Type).ToArray()),
                ("time_ms", NpgsqlDbType.Bigint, rows.OrderEvents.ConvertAll(r => r.TimeMs).ToArray()));
        }

        if (rows.Checkpoint is { } checkpoint)
        {
            insert.Add("checkpoints",
                ("size", NpgsqlDbType.Bigint, new[] { checkpoint.Size }),
                ("root", NpgsqlDbType.Bytea, new[] { checkpoint.Root }),
                ("note", NpgsqlDbType.Text, new[] { checkpoint.Note }));
        }

        insert.Run(rows.Announce);
    }

    /// <summary>One statement of several INSERTs, each a WITH query over <c>unnest</c> of its column arrays.</summary>
    private sealed class RowsStatement(NpgsqlCommand command)
    {
        private readonly System.Text.StringBuilder _with = new();

        public void Add(string table, params (string Column, NpgsqlDbType Type, Array Values)[] columns)
        {
            string names = string.Join(", ", columns.Select(c => c.Column));
            string arrays = string.Join(", ", columns.Select(c => $"@{table}_{c.Column}"));
            _with.Append(_with.Length == 0 ? "WITH " : ", ")
                .Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"{table}_rows AS (INSERT INTO {table} ({names}) SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS r({names}, n) ORDER BY n)");
            foreach ((string column, NpgsqlDbType type, Array values) in columns)
            {
                command.Parameters.Add(new NpgsqlParameter($"{table}_{column}", NpgsqlDbType.Array | type) { Value = values });
            }
        }

        /// <summary>Runs the statement, announcing <paramref name="size"/> on the append channel when given.</summary>
        public void Run(long? size)
        {
            using (command)
            {
                _with.Append(size is null ? " SELECT 1" : " SELECT pg_notify(@channel, @size)");
                if (size is not null)
                {
                    command.Parameters.AddWithValue("channel", Channel);
                    command.Parameters.AddWithValue("size", size.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                command.CommandText = _with.ToString();
                command.ExecuteNonQuery();
            }
        }
    }

    private NpgsqlConnection Unpooled() => new(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);

    /// <inheritdoc />
    public override void Dispose() => _dataSource.Dispose();

    /// <inheritdoc />
    protected override DbConnection OpenConnection() => _dataSource.OpenConnection();

    /// <inheritdoc />
    protected override DbTransaction BeginWriteTransaction(DbConnection connection)
    {
        NpgsqlTransaction transaction = ((NpgsqlConnection)connection).BeginTransaction(IsolationLevel.ReadCommitted);
        using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, transaction);
        command.Parameters.AddWithValue("key", WriterLock);
        command.ExecuteNonQuery();
        return transaction;
    }
}
