namespace Palisade.Registry.Tests;

/// <summary><c>palisade migrate</c>: a SQLite registry (the v1 fixture, written by an earlier build) copied into an
/// empty PostgreSQL database serves the same log, versions, orders and keys.</summary>
public sealed class MigrateTests
{
    [Fact]
    public void Migrate_V1Registry_ServesTheSameLogFromPostgres_AndRefusesATargetThatIsNotEmpty()
    {
        using TestDatabase database = TestDatabase.Create();
        string directory = Path.Combine(Path.GetTempPath(), "palisade-migrate-" + Guid.NewGuid().ToString("N"));
        string data = Path.Combine(AppContext.BaseDirectory, "Data", "log-v1");
        Directory.CreateDirectory(directory);
        try
        {
            File.Copy(Path.Combine(data, "registry.db"), Path.Combine(directory, "registry.db"));
            File.Copy(Path.Combine(data, "log.key"), Path.Combine(directory, "log.key"));
            (int exit, string stdout, string stderr) = LogAuditTests.Cli("migrate", "--from", directory, "--to", database.ConnectionString);
            Assert.True(exit == 0, stderr);
            Assert.Contains("migrated log fixture.palisade.example/log-v1 of 27 entries", stdout, StringComparison.Ordinal);
            Assert.Contains("copied order_targets: ", stderr, StringComparison.Ordinal);

            using (RegistryService copy = RegistryService.Open(new RegistryOptions { DataDirectory = directory, Database = database.ConnectionString }))
            {
                Assert.Equal(File.ReadAllText(Path.Combine(data, "checkpoint.txt")), copy.Log.State.Note);
                Assert.Equal(4ul, copy.Versions.LatestVersion!.Version);
                Assert.Equal("rkn/27-31-2018/Ид4412-18", copy.Queries.Lookup("telegram.me", null, null).Matches.Single().Order);
                Api.OrderView order = copy.Queries.GetOrder("rkn", "BIG-1")!;
                Assert.Equal(3500, order.TargetCount);
                Assert.Equal(["order.issued", "order.amended"], order.History.Select(h => h.Type));
                Assert.Equal(4, copy.Queries.ListOrders(null, 10, null).Orders.Count);
                Assert.Equal("BIG-1", copy.Queries.ListOrders(null, 10, null).Orders[0].Decision);
            }

            // Nothing is copied over a registry.
            (exit, _, stderr) = LogAuditTests.Cli("migrate", "--from", directory, "--to", database.ConnectionString);
            Assert.Equal(4, exit);
            Assert.Contains("already holds a registry", stderr, StringComparison.Ordinal);

            (exit, _, stderr) = LogAuditTests.Cli("migrate", "--from", Path.Combine(directory, "nothing"), "--to", database.ConnectionString);
            Assert.Equal(4, exit);
            Assert.Contains("holds no registry", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
