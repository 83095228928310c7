using System.Net;
using Microsoft.Data.Sqlite;
using Palisade.Core.Transparency;

namespace Palisade.Registry.Tests;

/// <summary>The log as an auditor sees it: tlog-tiles over HTTP, `palisade verify`, and tampering with the SQLite file.</summary>
public sealed class LogAuditTests
{
    [Fact]
    public async Task Verify_HonestLog_PassesAndPinsCheckpoint_ThenDetectsRewrittenEntry()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        for (int i = 0; i < 300; i++)
        {
            f.Host.Registry.IssueOrder(new Caller("k", Role.Authority, "rkn"), new Api.IssueOrderRequest
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
        f.Host.Registry.IssueOrder(new Caller("k", Role.Authority, "rkn"), new Api.IssueOrderRequest
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
    public async Task Restart_AfterTampering_RefusesToServeAndSaysWhere()
    {
        RegistryFixture f = await RegistryFixture.StartAsync();
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
        await using RegistryFixture f = await RegistryFixture.StartAsync();
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
        using var connection = new SqliteConnection($"Data Source={Path.Combine(f.Directory, "registry.db")};Pooling=False");
        connection.Open();
        using SqliteCommand read = connection.CreateCommand();
        read.CommandText = "SELECT data FROM log_entries WHERE idx = $i";
        read.Parameters.AddWithValue("$i", index);
        byte[] data = (byte[])read.ExecuteScalar()!;
        string text = System.Text.Encoding.UTF8.GetString(data).Replace(".example", ".exampl3", StringComparison.Ordinal).Replace("\"type\"", "\"type\" ", StringComparison.Ordinal);
        byte[] forged = System.Text.Encoding.UTF8.GetBytes(text);
        using SqliteCommand write = connection.CreateCommand();
        write.CommandText = "UPDATE log_entries SET data = $d, leaf_hash = $h WHERE idx = $i";
        write.Parameters.AddWithValue("$d", forged);
        write.Parameters.AddWithValue("$h", MerkleHash.Leaf(forged));
        write.Parameters.AddWithValue("$i", index);
        Assert.Equal(1, write.ExecuteNonQuery());
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
