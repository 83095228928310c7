using System.Net;
using Microsoft.Data.Sqlite;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>The log as an auditor sees it: tlog-tiles over HTTP, `palisade verify`, and tampering with the SQLite file.</summary>
public abstract class LogAuditTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task Verify_HonestLog_PassesAndPinsCheckpoint_ThenDetectsRewrittenEntry()
    {
        await using RegistryFixture f = await StartAsync();
        for (int i = 0; i < 300; i++)
        {
            f.Host.Registry.Orders.IssueOrder(new Caller("k", Role.Authority, "rkn"), new Api.IssueOrderRequest
            {
                Decision = $"D-{i}", DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
                Effective = "2026-01-01T00:00:00Z", Targets = [$"host{i}.example"],
            });
        }

        Assert.True(f.Host.Registry.Log.Size > 256);
        using (HttpResponseMessage tile = await f.Http.GetAsync("/log/tile/0/000", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
            Assert.Contains("immutable", tile.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
            Assert.Equal(8192, (await tile.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
        }

        string state = Path.Combine(f.Directory, "verify.state");
        string log = f.BaseAddress + "log/";
        (int exit, string stdout, string stderr) = Cli("verify", "--log", log, "--state", state);
        Assert.True(exit == 0, stderr);
        Assert.Contains("verified", stdout, StringComparison.Ordinal);

        // An append later is consistent with the pinned checkpoint.
        f.Host.Registry.Orders.IssueOrder(new Caller("k", Role.Authority, "rkn"), new Api.IssueOrderRequest
        {
            Decision = "LATER", DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
            Effective = "2026-01-01T00:00:00Z", Targets = ["later.example"],
        });
        (exit, stdout, stderr) = Cli("verify", "--log", log, "--state", state);
        Assert.True(exit == 0, stderr);
        Assert.Contains("consistent with the checkpoint", stdout, StringComparison.Ordinal);

        // Someone with access to the database rewrites an old entry (and its stored hash) under the running server.
        Tamper(f, 10);
        (exit, _, stderr) = Cli("verify", "--log", log, "--state", state);
        Assert.Equal(5, exit);
        Assert.Contains("FAILED", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AnotherLogWithTheStateOfTheFirst_NamesTheStateFileAndItsLog()
    {
        await using RegistryFixture first = await StartAsync();
        await using RegistryFixture second = await StartAsync();
        string state = Path.Combine(first.Directory, "verify.state");
        Assert.Equal(0, Cli("verify", "--log", first.BaseAddress + "log/", "--state", state).Exit);
        (int exit, _, string stderr) = Cli("verify", "--log", second.BaseAddress + "log/", "--state", state);
        Assert.Equal(5, exit);
        Assert.Contains($"read from {Path.GetFullPath(state)}, pinned for log {first.Host.Registry.Log.Origin}", stderr, StringComparison.Ordinal);
        Assert.Contains("its own --state FILE", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_AfterTampering_RefusesToServeAndSaysWhere()
    {
        RegistryFixture f = await StartAsync();
        try
        {
            RegistryOptions options = f.Host.Registry.Options;
            await f.StopAsync();
            Tamper(f, 3);
            var e = Assert.Throws<RegistryConfigurationException>(() => RegistryService.Open(options));
            Assert.Contains("diverges", e.Message, StringComparison.Ordinal);
            Assert.Contains("entry 3", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await f.DisposeAsync();
        }
    }

    [Fact]
    public async Task ProofEndpoints_AgreeWithCheckpoint()
    {
        await using RegistryFixture f = await StartAsync();
        NoteVerifier verifier = NoteVerifier.Parse(await f.Http.GetStringAsync("/log/key", TestContext.Current.CancellationToken));
        Checkpoint checkpoint = Checkpoint.Parse(verifier.Verify(await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken)).Text);
        var inclusion = System.Text.Json.Nodes.JsonNode.Parse(await f.Http.GetStringAsync("/v1/log/proof/inclusion?index=1", TestContext.Current.CancellationToken))!;
        MerkleProofVerifier.VerifyInclusion(1, checkpoint.Size, Convert.FromBase64String(inclusion["leafHash"]!.GetValue<string>()),
            [.. inclusion["proof"]!.AsArray().Select(p => Convert.FromBase64String(p!.GetValue<string>()))], checkpoint.RootHash);
        var consistency = System.Text.Json.Nodes.JsonNode.Parse(await f.Http.GetStringAsync("/v1/log/proof/consistency?size1=2", TestContext.Current.CancellationToken))!;
        MerkleProofVerifier.VerifyConsistency(2, checkpoint.Size, [.. consistency["proof"]!.AsArray().Select(p => Convert.FromBase64String(p!.GetValue<string>()))],
            Convert.FromBase64String(consistency["root1"]!.GetValue<string>()), checkpoint.RootHash);
        using HttpResponseMessage bad = await f.Http.GetAsync("/v1/log/proof/inclusion?index=999", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using HttpResponseMessage missing = await f.Http.GetAsync("/log/tile/0/001", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static void Tamper(RegistryFixture f, long index)
    {
        byte[] data = (byte[])f.QuerySql("SELECT data FROM log_entries WHERE idx = @i", ("i", index))!;
        string text = System.Text.Encoding.UTF8.GetString(data).Replace(".example", ".exampl3", StringComparison.Ordinal).Replace("\"type\"", "\"type\" ", StringComparison.Ordinal);
        byte[] forged = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.Equal(1, f.ExecuteSql("UPDATE log_entries SET data = @d, leaf_hash = @h WHERE idx = @i", ("d", forged), ("h", MerkleHash.Leaf(forged)), ("i", index)));
    }

    /// <summary>Runs the palisade command in-process and returns its exit code and output.</summary>
    internal static (int Exit, string Stdout, string Stderr) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = Palisade.Cli.PalisadeCli.Run(args, TextReader.Null, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>LogAuditTests on SQLite.</summary>
public sealed class LogAuditTestsOnSqlite() : LogAuditTests(RegistryStoreKind.Sqlite);

/// <summary>LogAuditTests on PostgreSQL.</summary>
public sealed class LogAuditTestsOnPostgres() : LogAuditTests(RegistryStoreKind.Postgres);
