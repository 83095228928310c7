using Npgsql;

namespace Palisade.Registry.Tests;

/// <summary>The registry on PostgreSQL from the command line: <c>--database</c> on <c>authority add</c>, <c>key create</c>
/// and <c>serve</c>, the log key's place in the data directory, and one process per database.</summary>
public sealed class DatabaseOptionTests
{
    [Fact]
    public void AuthorityAddAndKeyCreate_InitialiseAnEmptyDatabase_AndAnotherDataDirectoryNeedsTheLogKey()
    {
        using TestDatabase database = TestDatabase.Create();
        string first = Path.Combine(Path.GetTempPath(), "palisade-db-" + Guid.NewGuid().ToString("N"));
        string second = Path.Combine(Path.GetTempPath(), "palisade-db-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exit, string stdout, string stderr) = LogAuditTests.Cli("authority", "add", "--database", database.ConnectionString, "--data", first, "--id", "rkn", "--name", "Roskomnadzor");
            Assert.True(exit == 0, stderr);
            Assert.Contains("registered at log index 0", stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(first, "log.key")));
            Assert.False(File.Exists(Path.Combine(first, "registry.db")));

            // The URI form names the same database.
            var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            string uri = $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
            (exit, stdout, stderr) = LogAuditTests.Cli("key", "create", "--database", uri, "--data", first, "--role", "authority", "--authority", "rkn");
            Assert.True(exit == 0, stderr);
            Assert.StartsWith("pal_", stdout, StringComparison.Ordinal);

            // A data directory without the log key cannot extend the log: it says which origin and which file.
            (exit, _, stderr) = LogAuditTests.Cli("key", "create", "--database", database.ConnectionString, "--data", second, "--role", "admin");
            Assert.Equal(4, exit);
            Assert.Contains("holds the log of origin palisade.local/", stderr, StringComparison.Ordinal);
            Assert.Contains("copy log.key", stderr, StringComparison.Ordinal);

            // With a copy of it, it can.
            Directory.CreateDirectory(second);
            File.Copy(Path.Combine(first, "log.key"), Path.Combine(second, "log.key"));
            (exit, _, stderr) = LogAuditTests.Cli("key", "create", "--database", database.ConnectionString, "--data", second, "--role", "admin");
            Assert.True(exit == 0, stderr);
            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = second, Database = database.ConnectionString });
            Assert.Equal(3ul, registry.Log.Size);
            Assert.True(registry.Authorities.HasAdminKey);

            // Several processes may serve one database, each from its own data directory: they see one log.
            using RegistryService other = RegistryService.Open(new RegistryOptions { DataDirectory = first, Database = database.ConnectionString });
            Assert.Equal(registry.Log.State.Note, other.Log.State.Note);
        }
        finally
        {
            foreach (string directory in new[] { first, second })
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Database=nothing;Username=nobody;Timeout=2")]
    [InlineData("Colour=blue")]
    [InlineData("postgresql:///")]
    public void Database_UnusableOrMalformed_ExitsFourNamingIt(string connection)
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-db-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exit, _, string stderr) = LogAuditTests.Cli("authority", "add", "--database", connection, "--data", data, "--id", "rkn", "--name", "R");
            Assert.Equal(4, exit);
            Assert.False(string.IsNullOrWhiteSpace(stderr));
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
