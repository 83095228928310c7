using System.Net;
using System.Text.Json.Nodes;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>A registry mirroring a foreign registry's log (<c>--follow</c>): orders arrive verified, with inclusion
/// proofs, are never enforced, and a foreign log that shows two histories is caught with both signed checkpoints.</summary>
public sealed class MirrorTests
{
    [Fact]
    public async Task Follow_MirrorsVerifiedOrders_NeverEnforcesThem_AndCatchesAFork()
    {
        // W witnesses A; B follows A.
        await using RegistryFixture w = await RegistryFixture.StartAsync(o => Witness.CreateKey(o.DataDirectory, "witness.test/w"));
        WitnessEndpoint witness = WitnessEndpoint.Parse($"{w.BaseAddress}={w.Host.Registry.Witness!.VerifierKey}");
        var quorum = new WitnessPolicy([witness.Verifier], 1);
        await using RegistryFixture a = await RegistryFixture.StartAsync(o =>
        {
            o.Origin = "registry.test/a";
            o.Witnesses.Add(witness);
        });
        w.Host.Registry.WitnessLog("registry.test/a", a.Host.Registry.Log.VerifierKey);
        string keyA = a.Host.Registry.Log.VerifierKey;
        await using RegistryFixture b = await RegistryFixture.StartAsync(o => o.Follow.Add(FollowTarget.Parse($"{a.BaseAddress}={keyA}")));

        await IssueAsync(a, "M-1", "mirrored.example");
        JsonObject mirror = await WaitForAsync(b, m => m["orders"]!.AsArray().Count == 1);
        Assert.Equal("registry.test/a", mirror["origin"]!.GetValue<string>());
        JsonObject order = mirror["orders"]![0]!.AsObject();
        Assert.Equal("rkn/M-1", order["reference"]!.GetValue<string>());
        Assert.Equal("Roskomnadzor", order["authorityName"]!.GetValue<string>());
        Assert.Equal(["mirrored.example"], order["targets"]!.AsArray().Select(t => t!.GetValue<string>()));

        // The issuing entry is in the foreign log the mirror verified: its inclusion proof leads to the signed root.
        Checkpoint checkpoint = Checkpoint.Parse(NoteVerifier.Parse(keyA).Verify(mirror["checkpoint"]!.GetValue<string>()).Text);
        MerkleProofVerifier.VerifyInclusion((ulong)order["logIndex"]!.GetValue<long>(), checkpoint.Size, Convert.FromBase64String(order["leafHash"]!.GetValue<string>()),
            [.. order["inclusionProof"]!.AsArray().Select(h => Convert.FromBase64String(h!.GetValue<string>()))], checkpoint.RootHash);

        // Mirrored orders are never enforced by the mirroring registry.
        Assert.Empty(b.Host.Registry.Queries.Lookup("mirrored.example", null, null).Matches);
        Assert.Single(a.Host.Registry.Queries.Lookup("mirrored.example", null, null).Matches);

        // A domestic order that acts on the foreign one cites it, in its own log entry; only then is the target enforced
        // here, as this registry's order. A citation must name an order event of a mirrored log.
        long index = order["logIndex"]!.GetValue<long>();
        JsonObject citing = RegistryFixture.Order("C-1", "mirrored.example");
        citing["cites"] = new JsonArray(new JsonObject { ["origin"] = "registry.test/a", ["index"] = index });
        using (HttpResponseMessage created = await b.SendAsync(HttpMethod.Post, "/v1/orders", b.RknKey, citing))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        JsonObject page = JsonNode.Parse(await b.Http.GetStringAsync("/v1/orders/rkn/C-1", TestContext.Current.CancellationToken))!.AsObject();
        Assert.Equal("rkn/M-1", page["cites"]![0]!["reference"]!.GetValue<string>());
        mirror = await WaitForAsync(b, m => m["orders"]![0]!["citedBy"]!.AsArray().Count == 1);
        Assert.Equal("rkn/C-1", mirror["orders"]![0]!["citedBy"]![0]!.GetValue<string>());
        Assert.Single(b.Host.Registry.Queries.Lookup("mirrored.example", null, null).Matches);
        string orderPage = await b.Http.GetStringAsync("/orders/rkn/C-1", TestContext.Current.CancellationToken);
        Assert.Contains("Acts on foreign orders", orderPage, StringComparison.Ordinal);
        Assert.Contains("href=\"/mirror?origin=registry.test%2Fa\">rkn/M-1</a>", orderPage, StringComparison.Ordinal);
        foreach ((string origin, long cited, string problem) in new[] { ("registry.test/a", 0L, "does not start an order event"), ("elsewhere.test/log", index, "does not mirror") })
        {
            JsonObject bad = RegistryFixture.Order("C-2", "x.example");
            bad["cites"] = new JsonArray(new JsonObject { ["origin"] = origin, ["index"] = cited });
            using HttpResponseMessage refused = await b.SendAsync(HttpMethod.Post, "/v1/orders", b.RknKey, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            string body = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("cites[0]", body, StringComparison.Ordinal);
            Assert.Contains(problem, body, StringComparison.Ordinal);
        }

        // The portal shows the mirror apart from domestic orders; a real browser checks the foreign inclusion proofs.
        await using (Chromium browser = await Chromium.StartAsync())
        {
            await browser.NavigateAsync(b.BaseAddress + "mirrors");
            Assert.Contains("never enforced", (await browser.EvaluateAsync("document.querySelector('main').innerText"))!.GetValue<string>(), StringComparison.Ordinal);
            await browser.EvaluateAsync("setTimeout(() => document.querySelector('main table a').click(), 0); true");
            await browser.WaitForAsync("location.pathname === '/mirror' && [...document.querySelectorAll('td.proof')].length > 0 && [...document.querySelectorAll('td.proof')].every(c => c.dataset.verified !== undefined)");
            Assert.True((await browser.EvaluateAsync("[...document.querySelectorAll('td.proof')].every(c => c.dataset.verified === 'true')"))!.GetValue<bool>());
            Assert.Contains("rkn/C-1", (await browser.EvaluateAsync("document.querySelector('main').innerText"))!.GetValue<string>(), StringComparison.Ordinal);
            await browser.ScreenshotAsync("mirror-page");
        }

        // A fork: the foreign registry's data directory is copied, and each copy goes on with other orders under the
        // same key and URL. The mirror verified one history and is shown the other.
        RegistryOptions options = a.Host.Registry.Options;
        string url = a.BaseAddress.ToString().TrimEnd('/');
        await a.StopAsync();
        string fork = Path.Combine(Path.GetTempPath(), "palisade-fork-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(options.DataDirectory, fork);
        try
        {
            string continued = await RunAsync(options, url, "M-2", "second.example");
            await WaitForAsync(b, m => m["orders"]!.AsArray().Count == 2);
            var forkOptions = new RegistryOptions { DataDirectory = fork, Origin = options.Origin };
            forkOptions.Witnesses.Add(witness);
            string forked = await RunAsync(forkOptions, url, "M-3", "other.example");

            // The witness cosigned the history it saw first and refuses the other: a client requiring it never sees the fork.
            Assert.Single(quorum.Cosigners(SignedNote.Parse(continued), DateTimeOffset.UtcNow));
            Assert.Empty(quorum.Cosigners(SignedNote.Parse(forked), DateTimeOffset.UtcNow));
            mirror = await WaitForAsync(b, m => m["fork"] is JsonObject);
            JsonObject proof = mirror["fork"]!.AsObject();
            string verified = proof["verifiedCheckpoint"]!.GetValue<string>();
            string conflicting = proof["conflictingCheckpoint"]!.GetValue<string>();
            Assert.NotEqual(verified, conflicting);
            NoteVerifier key = NoteVerifier.Parse(keyA);
            Assert.NotEqual(key.Verify(verified).Text, key.Verify(conflicting).Text);

            using (HttpResponseMessage forkPage = await b.Http.GetAsync("/mirror?origin=registry.test%2Fa", TestContext.Current.CancellationToken))
            {
                Assert.Contains("showed two histories", await forkPage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }

            var metrics = new StringWriter();
            b.Host.Registry.WriteMetrics(metrics);
            Assert.Contains("palisade_mirror_forked{origin=\"registry.test/a\"} 1", metrics.ToString(), StringComparison.Ordinal);

            // What was verified is kept; the other history's order never arrives.
            Assert.Equal(["rkn/M-1", "rkn/M-2"], mirror["orders"]!.AsArray().Select(o => o!["reference"]!.GetValue<string>()));
        }
        finally
        {
            Directory.Delete(fork, recursive: true);
        }
    }

    /// <summary>Opens a registry on a data directory at a given URL, issues one order, lets it publish and collect
    /// cosignatures, and stops; returns the checkpoint it served last.</summary>
    private static async Task<string> RunAsync(RegistryOptions options, string url, string decision, string target)
    {
        using RegistryService registry = RegistryService.Open(options);
        await using RegistryHost host = await RegistryHost.StartAsync(registry, [url], cancellationToken: TestContext.Current.CancellationToken);
        Caller rkn = new("k", Role.Authority, "rkn");
        registry.Orders.IssueOrder(rkn, new Api.IssueOrderRequest
        {
            Decision = decision, DecisionDate = "2024-01-01", LegalBasis = "law", Category = "malware", Summary = "s",
            Effective = "2026-01-01T00:00:00Z", Targets = [target],
        });
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        return registry.CheckpointNote;
    }

    private static async Task<JsonObject> WaitForAsync(RegistryFixture f, Func<JsonObject, bool> done)
    {
        JsonObject mirror = new();
        for (int i = 0; i < 150; i++)
        {
            JsonArray mirrors = JsonNode.Parse(await f.Http.GetStringAsync("/v1/mirrors", TestContext.Current.CancellationToken))!.AsArray();
            mirror = mirrors[0]!.AsObject();
            if (done(mirror))
            {
                return mirror;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the mirror did not get there: {mirror.ToJsonString()}");
        return mirror;
    }

    private static async Task IssueAsync(RegistryFixture f, string decision, string target)
    {
        using HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order(decision, target));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
