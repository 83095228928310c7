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
    protected override string TableSql(IReadOnlySet<string>? only) => RegistrySchema.Ddl("INTEGER", "BLOB", orderSequence: null, only);

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
