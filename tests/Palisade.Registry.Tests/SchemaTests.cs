using System.Data;
using Microsoft.Data.Sqlite;
using Palisade.Registry.Storage;

namespace Palisade.Registry.Tests;

/// <summary>The schema is written once (<see cref="RegistrySchema"/>): the DDL each store runs creates exactly the
/// tables, columns, types, nullability and keys that <c>migrate</c> and the start-up check read.</summary>
public sealed class SchemaTests
{
    [Fact]
    public void SqliteDdl_CreatesTheTablesAsListed()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (SqliteCommand create = connection.CreateCommand())
        {
            create.CommandText = RegistrySchema.Ddl("INTEGER", "BLOB", orderSequence: null);
            create.ExecuteNonQuery();
        }

        foreach (SchemaTable table in RegistrySchema.Tables)
        {
            var found = new List<(string Name, string Type, bool NotNull, int Key)>();
            using SqliteCommand info = connection.CreateCommand();
            info.CommandText = $"PRAGMA table_info({table.Name})";
            using (SqliteDataReader reader = info.ExecuteReader())
            {
                while (reader.Read())
                {
                    found.Add((reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1, reader.GetInt32(5)));
                }
            }

            Assert.Equal(table.Columns.Select(c => c.Name), found.Select(f => f.Name));
            Assert.Equal(table.Columns.Select(c => c.Type switch { DbType.Int64 => "INTEGER", DbType.Binary => "BLOB", _ => "TEXT" }), found.Select(f => f.Type));
            string[] key = table.PrimaryKey?.Split(", ") ?? [.. table.Columns.Where(c => c.Constraint.Contains("PRIMARY KEY", StringComparison.Ordinal)).Select(c => c.Name)];
            Assert.Equal(key, found.Where(f => f.Key > 0).OrderBy(f => f.Key).Select(f => f.Name));
            foreach (SchemaColumn column in table.Columns)
            {
                Assert.True(column.Constraint.Contains("NOT NULL", StringComparison.Ordinal) == found.Single(f => f.Name == column.Name).NotNull, $"{table.Name}.{column.Name}");
            }

            foreach ((string index, string columns) in table.Indexes ?? [])
            {
                using SqliteCommand list = connection.CreateCommand();
                list.CommandText = $"SELECT name FROM pragma_index_info('{index}') ORDER BY seqno";
                var indexed = new List<string>();
                using SqliteDataReader reader = list.ExecuteReader();
                while (reader.Read())
                {
                    indexed.Add(reader.GetString(0));
                }

                Assert.Equal(columns.Split(", "), indexed);
            }
        }
    }

    [Fact]
    public void PostgresDdl_CreatesTheTablesAsListed()
    {
        using TestDatabase database = TestDatabase.Create();
        database.Execute(RegistrySchema.Ddl("BIGINT", "BYTEA", orderSequence: "seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE"));
        using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        connection.Open();
        foreach (SchemaTable table in RegistrySchema.Tables)
        {
            using var info = new Npgsql.NpgsqlCommand(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = @t ORDER BY ordinal_position", connection);
            info.Parameters.AddWithValue("t", table.Name);
            var found = new List<(string Name, string Type, bool Nullable)>();
            using (Npgsql.NpgsqlDataReader reader = info.ExecuteReader())
            {
                while (reader.Read())
                {
                    found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2) == "YES"));
                }
            }

            IEnumerable<string> expected = table.Columns.Select(c => c.Name);
            Assert.Equal(table.Name == "orders" ? ["seq", .. expected] : expected, found.Select(f => f.Name));
            foreach (SchemaColumn column in table.Columns)
            {
                (string _, string type, bool nullable) = found.Single(f => f.Name == column.Name);
                Assert.Equal(column.Type switch { DbType.Int64 => "bigint", DbType.Binary => "bytea", _ => "text" }, type);
                Assert.True(nullable == !(column.Constraint.Contains("NOT NULL", StringComparison.Ordinal) || column.Constraint.Contains("PRIMARY KEY", StringComparison.Ordinal)
                    || (table.PrimaryKey?.Split(", ").Contains(column.Name) ?? false)), $"{table.Name}.{column.Name}");
            }
        }
    }
}
