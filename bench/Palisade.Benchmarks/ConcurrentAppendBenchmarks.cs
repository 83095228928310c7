using System.Globalization;
using BenchmarkDotNet.Attributes;
using Npgsql;
using Palisade.Registry;
using Palisade.Registry.Api;

namespace Palisade.Benchmarks;

/// <summary>
/// Durable appends of small orders (one target) from 1, 8 and 64 concurrent writers, on SQLite and on PostgreSQL, with
/// group commit: one invocation is 4,096 orders, so the result is the time per acknowledged order. (With 512 orders an
/// invocation was mostly 64 threads starting and finishing, never the steady state a server sees; run enough warm-up
/// iterations for the JIT's tiering to finish, which takes a few thousand orders.) PostgreSQL needs
/// <c>PALISADE_BENCH_POSTGRES</c> (an admin connection string; a database is created and dropped).
/// </summary>
[MemoryDiagnoser]
public class ConcurrentAppendBenchmarks
{
    private const int OrdersPerInvoke = 4096;

    private string _directory = "";
    private string? _database;
    private RegistryService _registry = null!;
    private int _next;

    [Params(1, 8, 64)]
    public int Writers { get; set; }

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "sqlite";

    public static IEnumerable<string> Stores() =>
        Environment.GetEnvironmentVariable("PALISADE_BENCH_POSTGRES") is { Length: > 0 } ? ["sqlite", "postgres"] : ["sqlite"];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("palisade-bench-").FullName;
        var options = new RegistryOptions { DataDirectory = _directory, PublishDelay = TimeSpan.FromMinutes(1) };
        if (Store == "postgres")
        {
            string admin = Environment.GetEnvironmentVariable("PALISADE_BENCH_POSTGRES")!;
            string name = "palisade_bench_" + Guid.NewGuid().ToString("N");
            using (var connection = new NpgsqlConnection(admin))
            {
                connection.Open();
                using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                create.ExecuteNonQuery();
            }

            _database = name;
            options.Database = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        }

        _registry = BenchRegistry.Open(options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _registry.Dispose();
        Directory.Delete(_directory, recursive: true);
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("PALISADE_BENCH_POSTGRES"));
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }
    }

    [Benchmark(OperationsPerInvoke = OrdersPerInvoke)]
    public void IssueOrders()
    {
        var threads = new Thread[Writers];
        for (int w = 0; w < Writers; w++)
        {
            threads[w] = new Thread(() =>
            {
                for (int i = 0; i < OrdersPerInvoke / Writers; i++)
                {
                    int n = Interlocked.Increment(ref _next);
                    _registry.Orders.IssueOrder(BenchRegistry.Authority, BenchRegistry.Order(string.Create(CultureInfo.InvariantCulture, $"D-{n}"), [string.Create(CultureInfo.InvariantCulture, $"site{n}.example")]));
                }
            });
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }
}
