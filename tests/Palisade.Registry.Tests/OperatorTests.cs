using System.Net;
using System.Text.Json.Nodes;
using Palisade.Core.Transparency;

namespace Palisade.Registry.Tests;

/// <summary>Operators and their enforcement points: registered by an admin (over the API or offline), logged, public to
/// read, and checked against the log at start-up like every other derived table.</summary>
public abstract class OperatorTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Operators_AndPoints_AreRegisteredLoggedAndListed()
    {
        await using RegistryFixture f = await StartAsync();
        using NoteSigner pointKey = NoteSigner.Generate("isp-1/resolver-a");
        using (HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey,
            new JsonObject { ["id"] = "isp-1", ["name"] = "An ISP", ["kind"] = "isp", ["country"] = "IT", ["url"] = "https://isp.example/" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey, new JsonObject { ["id"] = "isp-1", ["name"] = "Again" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.AdminKey, new JsonObject { ["id"] = "x", ["name"] = "X", ["kind"] = "bank" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await f.SendAsync(HttpMethod.Post, "/v1/operators", f.RknKey, new JsonObject { ["id"] = "y", ["name"] = "Y" })).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-a", ["key"] = pointKey.VerifierKey })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-b", ["key"] = "not a key" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await f.SendAsync(HttpMethod.Post, "/v1/operators/nobody/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-c", ["key"] = pointKey.VerifierKey })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await f.SendAsync(HttpMethod.Post, "/v1/operators/isp-1/points", f.AdminKey,
            new JsonObject { ["id"] = "resolver-a", ["key"] = pointKey.VerifierKey })).StatusCode);

        JsonObject op = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-1", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("An ISP", op["name"]!.GetValue<string>());
        JsonObject point = op["points"]![0]!.AsObject();
        Assert.Equal("resolver-a", point["id"]!.GetValue<string>());
        Assert.Equal(pointKey.VerifierKey, point["key"]!.GetValue<string>());
        Assert.Null(point["ackedVersion"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/v1/operators/nobody", TestContext.Current.CancellationToken)).StatusCode);

        // Both are log entries, which the public log and the auditor carry.
        List<string> types = [.. f.Host.Registry.Queries.ReadEntries(0, (int)f.Host.Registry.Log.Size).Select(e => JsonNode.Parse(e)!["type"]!.GetValue<string>())];
        Assert.Contains("operator.registered", types);
        Assert.Contains("point.created", types);
        (int exit, _, string stderr) = LogAuditTests.Cli("verify", "--log", f.BaseAddress + "log/", "--state", Path.Combine(f.Directory, "verify.state"));
        Assert.True(exit == 0, stderr);

        // Derived from the log: a point's key changed behind the registry's back refuses the next start.
        RegistryOptions options = f.Host.Registry.Options;
        await f.StopAsync();
        using (RegistryService reopened = RegistryService.Open(options))
        {
            Assert.Single(reopened.Operators.List());
        }

        Assert.Equal(1, f.ExecuteSql("UPDATE points SET vkey = 'someone+00000000+AQ==' WHERE id = 'resolver-a'"));
        var e = Assert.Throws<RegistryConfigurationException>(() => RegistryService.Open(options));
        Assert.Contains("points", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_OperatorAdd_PointCreate_WritesTheKeyAndRegistersIt()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-operator-" + Guid.NewGuid().ToString("N"));
        using TestDatabase? database = Store == RegistryStoreKind.Postgres ? TestDatabase.Create() : null;
        string[] storeArgs = database is null ? ["--data", data] : ["--data", data, "--database", database.ConnectionString];
        try
        {
            (int exit, string stdout, string stderr) = LogAuditTests.Cli(["operator", "add", .. storeArgs, "--id", "isp-2", "--name", "Another ISP", "--country", "RU"]);
            Assert.True(exit == 0, stderr);
            Assert.StartsWith("operator isp-2 registered at log index ", stdout, StringComparison.Ordinal);

            (exit, stdout, stderr) = LogAuditTests.Cli(["point", "create", .. storeArgs, "--operator", "isp-2", "--id", "dns-1"]);
            Assert.True(exit == 0, stderr);
            string path = stdout.Trim();
            Assert.Equal(Path.GetFullPath(Path.Combine(data, "point-dns-1.key")), path);
            using NoteSigner key = NoteSigner.ParsePrivateKey(File.ReadAllText(path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            // An unknown operator: refused, and no key file is left behind.
            (exit, _, stderr) = LogAuditTests.Cli(["point", "create", .. storeArgs, "--operator", "nobody", "--id", "dns-2"]);
            Assert.Equal(2, exit);
            Assert.Contains("nobody", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(data, "point-dns-2.key")));

            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = data, Database = database?.ConnectionString });
            Api.PointView point = registry.Operators.List().Single().Points.Single();
            Assert.Equal(key.VerifierKey, point.Key);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

/// <summary>OperatorTests on SQLite.</summary>
public sealed class OperatorTestsOnSqlite() : OperatorTests(RegistryStoreKind.Sqlite);

/// <summary>OperatorTests on PostgreSQL.</summary>
public sealed class OperatorTestsOnPostgres() : OperatorTests(RegistryStoreKind.Postgres);
