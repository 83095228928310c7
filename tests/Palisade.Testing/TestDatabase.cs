using Npgsql;

namespace Palisade.Testing;

/// <summary>Which store a registry test runs on.</summary>
public enum RegistryStoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh PostgreSQL database on the throwaway cluster that ./test.sh starts (its connection string in
/// <c>PALISADE_TEST_POSTGRES</c>), dropped at the end. Without the cluster, a test on PostgreSQL is skipped with the
/// reason, except under CI, where it fails.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _admin;

    private TestDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static TestDatabase Create()
    {
        string? admin = Environment.GetEnvironmentVariable("PALISADE_TEST_POSTGRES");
        if (string.IsNullOrEmpty(admin))
        {
            const string Why = "PALISADE_TEST_POSTGRES is not set: ./test.sh starts a PostgreSQL cluster for the tests on PostgreSQL";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(Why);
            }

            Assert.Skip(Why);
        }

        string name = "palisade_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(admin);
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        create.ExecuteNonQuery();
        return new TestDatabase(admin, name);
    }

    /// <summary>Runs a statement in the database, as someone with direct access to it would.</summary>
    public void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(_admin);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}
