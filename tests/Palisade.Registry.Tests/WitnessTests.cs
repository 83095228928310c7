using System.Net;
using System.Text;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>The registry as a witness (C2SP tlog-witness v1.0.0): it cosigns checkpoints of the logs it witnesses when
/// they are signed by the log's key and consistent with the last one it cosigned, and answers every other case with
/// the status the spec names, keeping its state across restarts and concurrent requests.</summary>
public abstract class WitnessTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task AddCheckpoint_ConsistentCheckpoints_AreCosigned_EveryOtherCaseAsTheSpecSays()
    {
        await using RegistryFixture f = await StartAsync(o => Witness.CreateKey(o.DataDirectory, "witness.test/w1"));
        RegistryService registry = f.Host.Registry;
        string origin = registry.Log.Origin;
        registry.WitnessLog(origin, registry.Log.VerifierKey);
        CosignatureVerifier witness = CosignatureVerifier.Parse(await f.Http.GetStringAsync("/witness/key", TestContext.Current.CancellationToken));
        Assert.Equal("witness.test/w1", witness.Name);

        // The first checkpoint, from old size 0 with no proof.
        await IssueAsync(f, "W-1");
        string first = await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
        ulong size1 = Checkpoint.Parse(SignedNote.Parse(first).Text).Size;
        await AssertCosignedAsync(f, witness, $"old 0\n\n{first}", first);

        // The witness remembers size1: old 0 again is a conflict answered with the size it holds.
        (HttpStatusCode status, string type, string body) = await PostAsync(f, $"old 0\n\n{first}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("text/x.tlog.size", type);
        Assert.Equal($"{size1}\n", body);

        // A later checkpoint with the consistency proof from size1.
        await IssueAsync(f, "W-2");
        string second = await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
        ulong size2 = Checkpoint.Parse(SignedNote.Parse(second).Text).Size;
        List<byte[]> proof = registry.Log.ConsistencyProof(size1, size2);
        await AssertCosignedAsync(f, witness, new AddCheckpointRequest(size1, proof, second).Format(), second);
        await AssertCosignedAsync(f, witness, $"old {size2}\n\n{second}", second);

        // A proof that does not verify (422); old larger than the checkpoint (400); no proof allowed from 0 (422).
        await IssueAsync(f, "W-3");
        string third = await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
        ulong size3 = Checkpoint.Parse(SignedNote.Parse(third).Text).Size;
        List<byte[]> bad = registry.Log.ConsistencyProof(size2, size3);
        bad[0][0] ^= 1;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync(f, new AddCheckpointRequest(size2, bad, third).Format())).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(f, $"old {size3 + 1}\n\n{third}")).Status);

        // Unknown origin (404); the right origin signed by another key (403).
        using NoteSigner stranger = NoteSigner.Generate("other.test/log");
        string foreign = stranger.SignNote(new Checkpoint("other.test/log", 1, new byte[32]).ToText());
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(f, $"old 0\n\n{foreign}")).Status);
        using NoteSigner impostor = NoteSigner.Generate(origin);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(f, $"old {size2}\n\n{impostor.SignNote(Checkpoint.Parse(SignedNote.Parse(third).Text).ToText())}")).Status);

        // The log's own key signing another root for the size the witness cosigned: a split view, refused (409).
        using NoteSigner logKey = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(Path.Combine(f.Directory, "log.key"), TestContext.Current.CancellationToken));
        string fork = logKey.SignNote(new Checkpoint(origin, size2, new byte[32]).ToText());
        (status, type, body) = await PostAsync(f, $"old {size2}\n\n{fork}");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("application/problem+json", type);
        Assert.Contains("two histories", body, StringComparison.Ordinal);

        // Malformed bodies (400), each truncation of a valid one refused.
        byte[] valid = Encoding.UTF8.GetBytes(new AddCheckpointRequest(size2, registry.Log.ConsistencyProof(size2, size3), third).Format());
        foreach (int length in new[] { 0, 3, 6, 20, 50, valid.Length - 30, valid.Length - 1 })
        {
            Assert.True((await PostAsync(f, valid[..length])).Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"prefix of {length} bytes");
        }

        // The state is durable: after a restart the witness still holds size2.
        RegistryOptions options = registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(options);
        await using RegistryHost host = await RegistryHost.StartAsync(reopened, ["http://127.0.0.1:0"], cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(host.Addresses[0]) };
        using HttpResponseMessage again = await http.PostAsync("/witness/add-checkpoint", new StringContent($"old 0\n\n{first}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"{size2}\n", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AddCheckpoint_ConcurrentRequestsFromOneSize_OneIsCosigned_TheRestConflict()
    {
        await using RegistryFixture f = await StartAsync(o => Witness.CreateKey(o.DataDirectory, "witness.test/w2"));
        f.Host.Registry.WitnessLog(f.Host.Registry.Log.Origin, f.Host.Registry.Log.VerifierKey);
        await IssueAsync(f, "C-1");
        string checkpoint = await f.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);

        // Sixteen requests from old size 0 at once: the check and the update are one step, so exactly one is cosigned.
        (HttpStatusCode Status, string Type, string Body)[] answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync(f, $"old 0\n\n{checkpoint}")));
        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Equal(15, answers.Count(a => a.Status == HttpStatusCode.Conflict && a.Type == "text/x.tlog.size"));
    }

    [Fact]
    public async Task Registry_WithoutWitnessKey_IsNoWitness()
    {
        await using RegistryFixture f = await StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await f.Http.GetAsync("/witness/key", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(f, "old 0\n\nx\n")).Status);
    }

    private static async Task AssertCosignedAsync(RegistryFixture f, CosignatureVerifier witness, string body, string checkpoint)
    {
        (HttpStatusCode status, _, string answer) = await PostAsync(f, body);
        Assert.True(status == HttpStatusCode.OK, answer);
        SignedNote cosigned = SignedNote.Parse(checkpoint + answer);
        NoteSignature signature = Assert.Single(cosigned.Signatures, s => s.KeyId == witness.KeyId);
        Assert.True(witness.Verify(cosigned.Text, signature, out ulong timestamp));
        Assert.Equal((ulong)f.Time.GetUtcNow().ToUnixTimeSeconds(), timestamp);
    }

    private static Task<(HttpStatusCode Status, string Type, string Body)> PostAsync(RegistryFixture f, string body) => PostAsync(f, Encoding.UTF8.GetBytes(body));

    private static async Task<(HttpStatusCode Status, string Type, string Body)> PostAsync(RegistryFixture f, byte[] body)
    {
        using HttpResponseMessage response = await f.Http.PostAsync("/witness/add-checkpoint", new ByteArrayContent(body), TestContext.Current.CancellationToken);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task IssueAsync(RegistryFixture f, string decision)
    {
        using HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decision, decision.ToLowerInvariant() + ".example"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}

/// <summary>WitnessTests on SQLite.</summary>
public sealed class WitnessTestsOnSqlite() : WitnessTests(RegistryStoreKind.Sqlite);

/// <summary>WitnessTests on PostgreSQL.</summary>
public sealed class WitnessTestsOnPostgres() : WitnessTests(RegistryStoreKind.Postgres);

/// <summary><c>palisade witness init</c> and <c>palisade witness add-log</c>, run as a user would, then served.</summary>
public sealed class WitnessCommandTests
{
    [Fact]
    public async Task Init_PrintsTheKeyOnce_AddLog_ChecksTheKey_AndServeWitnesses()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-witness-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int exit, string stdout, string stderr) = LogAuditTests.Cli("witness", "init", "--data", data, "--name", "witness.test/cli");
            Assert.True(exit == 0, stderr);
            CosignatureVerifier witness = CosignatureVerifier.Parse(stdout.Trim());
            Assert.Equal("witness.test/cli", witness.Name);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "witness.key")));
            }

            // Again: the same key, not a new one.
            Assert.Equal(stdout, LogAuditTests.Cli("witness", "init", "--data", data).Stdout);

            (exit, _, stderr) = LogAuditTests.Cli("witness", "add-log", "--data", data, "--origin", "other.test/log", "--vkey", "not-a-key");
            Assert.Equal(2, exit);
            Assert.Contains("vkey", stderr, StringComparison.Ordinal);
            Assert.Equal(1, LogAuditTests.Cli("witness", "add-log", "--data", data, "--origin", "other.test/log").Exit);

            using NoteSigner log = NoteSigner.Generate("other.test/log");
            (exit, stdout, stderr) = LogAuditTests.Cli("witness", "add-log", "--data", data, "--origin", "other.test/log", "--vkey", log.VerifierKey);
            Assert.True(exit == 0, stderr);
            Assert.Contains("other.test/log", stdout, StringComparison.Ordinal);

            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = data });
            await using RegistryHost host = await RegistryHost.StartAsync(registry, ["http://127.0.0.1:0"], cancellationToken: TestContext.Current.CancellationToken);
            using var http = new HttpClient { BaseAddress = new Uri(host.Addresses[0]) };
            Assert.Equal(witness.VerifierKey, (await http.GetStringAsync("/witness/key", TestContext.Current.CancellationToken)).Trim());
            string checkpoint = log.SignNote(new Checkpoint("other.test/log", 0, System.Security.Cryptography.SHA256.HashData([])).ToText());
            using HttpResponseMessage cosigned = await http.PostAsync("/witness/add-checkpoint", new StringContent($"old 0\n\n{checkpoint}"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, cosigned.StatusCode);
            SignedNote note = SignedNote.Parse(checkpoint + await cosigned.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.True(witness.Verify(note.Text, note.Signatures.Single(s => s.KeyId == witness.KeyId), out _));

            // A log added while the witness serves is witnessed at once (the command writes to the store directly).
            using NoteSigner third = NoteSigner.Generate("third.test/log");
            (exit, _, stderr) = LogAuditTests.Cli("witness", "add-log", "--data", data, "--origin", "third.test/log", "--vkey", third.VerifierKey);
            Assert.True(exit == 0, stderr);
            string thirdCheckpoint = third.SignNote(new Checkpoint("third.test/log", 0, System.Security.Cryptography.SHA256.HashData([])).ToText());
            using HttpResponseMessage added = await http.PostAsync("/witness/add-checkpoint", new StringContent($"old 0\n\n{thirdCheckpoint}"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}

/// <summary>A registry witnessed by two others (three registries on loopback): it collects their cosignatures and
/// serves them with its checkpoint; <c>palisade verify --quorum</c> accepts the log only with enough of them.</summary>
public sealed class CosignatureCollectionTests
{
    [Fact]
    public async Task Checkpoint_CarriesTheWitnessesCosignatures_VerifyRequiresTheQuorum()
    {
        await using RegistryFixture b = await RegistryFixture.StartAsync(o => Witness.CreateKey(o.DataDirectory, "witness.test/b"));
        await using RegistryFixture c = await RegistryFixture.StartAsync(o => Witness.CreateKey(o.DataDirectory, "witness.test/c"));
        string keyB = b.Host.Registry.Witness!.VerifierKey;
        string keyC = c.Host.Registry.Witness!.VerifierKey;
        await using RegistryFixture a = await RegistryFixture.StartAsync(o =>
        {
            o.Origin = "registry.test/a";
            o.Witnesses.Add(WitnessEndpoint.Parse($"{b.BaseAddress}={keyB}"));
            o.Witnesses.Add(WitnessEndpoint.Parse($"{c.BaseAddress}={keyC}"));
        });
        b.Host.Registry.WitnessLog("registry.test/a", a.Host.Registry.Log.VerifierKey);
        c.Host.Registry.WitnessLog("registry.test/a", a.Host.Registry.Log.VerifierKey);
        var policy = new WitnessPolicy([CosignatureVerifier.Parse(keyB), CosignatureVerifier.Parse(keyC)], 2);

        await IssueAsync(a, "Q-1");
        Assert.Equal(["witness.test/b", "witness.test/c"], await CosignersAsync(a, policy, 2));
        string metrics = "";
        for (int i = 0; i < 100 && !metrics.Contains("palisade_checkpoint_cosignatures 2", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            var text = new StringWriter();
            a.Host.Registry.WriteMetrics(text);
            metrics = text.ToString();
        }

        Assert.Contains("palisade_checkpoint_cosignatures 2", metrics, StringComparison.Ordinal);
        Assert.Contains("palisade_checkpoint_witnesses 2", metrics, StringComparison.Ordinal);
        string state = Path.Combine(a.Directory, "verify.state");
        (int exit, string stdout, string stderr) = LogAuditTests.Cli("verify", "--log", a.BaseAddress + "log/", "--state", state,
            "--witness-vkey", keyB, "--witness-vkey", keyC, "--quorum", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("cosigned by at least 2 of 2", stdout, StringComparison.Ordinal);

        // The verified subscription (export, dns) enforces a version only under a checkpoint the quorum cosigned.
        string logKey = a.Host.Registry.Log.VerifierKey;
        string[] export = ["export", "--registry", a.BaseAddress.ToString(), "--format", "hosts", "--key", logKey, "--witness-vkey", keyB, "--witness-vkey", keyC];
        await WaitForVersionAsync(a);
        (exit, stdout, stderr) = LogAuditTests.Cli([.. export, "--quorum", "2"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("q-1.example", stdout, StringComparison.Ordinal);

        // One witness down: new checkpoints are cosigned by the other only, and still served at once.
        await c.StopAsync();
        await IssueAsync(a, "Q-2");
        Assert.Equal(["witness.test/b"], await CosignersAsync(a, policy, 1));
        (exit, _, stderr) = LogAuditTests.Cli("verify", "--log", a.BaseAddress + "log/", "--state", state, "--witness-vkey", keyB, "--witness-vkey", keyC, "--quorum", "2");
        Assert.Equal(5, exit);
        Assert.Contains("missing: witness.test/c", stderr, StringComparison.Ordinal);
        (exit, _, stderr) = LogAuditTests.Cli("verify", "--log", a.BaseAddress + "log/", "--state", state, "--witness-vkey", keyB, "--witness-vkey", keyC, "--quorum", "1");
        Assert.True(exit == 0, stderr);
        await WaitForVersionAsync(a);
        (exit, _, stderr) = LogAuditTests.Cli([.. export, "--quorum", "2"]);
        Assert.Equal(5, exit);
        Assert.Contains("not covered by a witnessed checkpoint", stderr, StringComparison.Ordinal);
        (exit, stdout, stderr) = LogAuditTests.Cli([.. export, "--quorum", "1"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("q-2.example", stdout, StringComparison.Ordinal);

        // A quorum no list can meet, and a key that is not a witness key, are configuration errors.
        Assert.Equal(4, LogAuditTests.Cli("verify", "--log", a.BaseAddress + "log/", "--state", state, "--witness-vkey", keyB, "--quorum", "2").Exit);
        Assert.Equal(4, LogAuditTests.Cli("verify", "--log", a.BaseAddress + "log/", "--state", state, "--witness-vkey", a.Host.Registry.Log.VerifierKey).Exit);
    }

    /// <summary>Waits until a version covers every order issued so far.</summary>
    private static async Task WaitForVersionAsync(RegistryFixture log)
    {
        for (int i = 0; i < 100 && (log.Host.Registry.Versions.LatestVersion?.LogSize ?? 0) < log.Host.Registry.Log.Size - 1; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the current checkpoint carries <paramref name="count"/> cosignatures; returns their names.</summary>
    private static async Task<List<string>> CosignersAsync(RegistryFixture log, WitnessPolicy policy, int count)
    {
        List<string> cosigners = [];
        for (int i = 0; i < 100; i++)
        {
            string note = await log.Http.GetStringAsync("/log/checkpoint", TestContext.Current.CancellationToken);
            cosigners = policy.Cosigners(SignedNote.Parse(note), DateTimeOffset.UtcNow);
            if (cosigners.Count >= count && Checkpoint.Parse(SignedNote.Parse(note).Text).Size == log.Host.Registry.Log.Size)
            {
                return cosigners;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return cosigners;
    }

    private static async Task IssueAsync(RegistryFixture f, string decision)
    {
        using HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decision, decision.ToLowerInvariant() + ".example"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
