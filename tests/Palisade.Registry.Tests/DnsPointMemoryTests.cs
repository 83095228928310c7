using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Palisade.Policy;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>
/// <c>palisade dns</c> gives back what loading its first version left behind: the bundle's bytes, larger than the
/// compiled policy's own arrays, are gone from the large-object heap once the point answers from the version. Read from
/// the point's <c>/metrics</c>, as an operator watching its memory would.
/// </summary>
public sealed partial class DnsPointMemoryTests
{
    // Enough entries that the bundle's bytes and the policy's arrays are each far above the large-object threshold, and
    // the bytes (about 40 B an entry here) outweigh everything else on that heap.
    private const int Entries = 100_000;

    [Fact]
    public async Task DnsProcess_FromTheCache_KeepsNotTheBundleBytes()
    {
        string directory = Directory.CreateTempSubdirectory("palisade-dnsmem-").FullName;
        try
        {
            using NoteSigner signer = NoteSigner.Generate("memory.test/log");
            var orders = new PolicyOrder[Entries / 1000];
            for (int i = 0; i < orders.Length; i++)
            {
                orders[i] = new PolicyOrder($"court/M-{i}", "court-order", 0, null);
            }

            var entries = new BundleEntry[Entries];
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i] = new BundleEntry($"blocked-{i}.example-{i % 97}.test", orders[i / 1000]);
            }

            Array.Sort(entries, BundleEntry.Compare);
            byte[] bytes = new PolicyBundle("memory.test/log", 1, 1, new byte[32], 0, entries).ToBytes();
            await File.WriteAllBytesAsync(Path.Combine(directory, "policy.bundle"), bytes, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "policy.bundle.sig"), BundleSignature.Sign(signer, "bundle", 1, bytes), TestContext.Current.CancellationToken);

            int port = ExternalTool.FreePort(), metrics = ExternalTool.FreePort();
            await using PalisadeProcess dns = PalisadeProcess.Start("dns", "--registry", "http://127.0.0.1:1/", "--key", signer.VerifierKey,
                "--cache", directory, "--dns", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--upstream", "127.0.0.1:9",
                "--metrics", "http://127.0.0.1:" + metrics.ToString(CultureInfo.InvariantCulture));
            await dns.WaitForOutputAsync("^Palisade DNS listening on");
            await AssertBytesGivenBackAsync(metrics, 1, bytes.Length, dns);
            Assert.Contains("status: NXDOMAIN", (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "blocked-7.example-7.test", "A", "+tries=1", "+time=5")).Output, StringComparison.Ordinal);
            Assert.Equal(0, await dns.TerminateAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task DnsProcess_FromTheRegistry_KeepsNotTheBundleBytes()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        const int perOrder = 10_000;
        for (int o = 0; o < Entries / perOrder; o++)
        {
            string[] targets = [.. Enumerable.Range(o * perOrder, perOrder).Select(i => $"blocked-{i}.example-{i % 97}.test")];
            HttpResponseMessage created = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("M-" + o.ToString(CultureInfo.InvariantCulture), targets));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        ulong version = registry.Versions.PublishVersion()!.Version;
        byte[] bundle = await f.Http.GetByteArrayAsync($"/v1/bundles/{version}", TestContext.Current.CancellationToken);
        int port = ExternalTool.FreePort(), metrics = ExternalTool.FreePort();
        await using PalisadeProcess dns = PalisadeProcess.Start("dns", "--registry", f.BaseAddress.ToString(), "--key", registry.Log.VerifierKey,
            "--dns", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--upstream", "127.0.0.1:9",
            "--metrics", "http://127.0.0.1:" + metrics.ToString(CultureInfo.InvariantCulture));
        await dns.WaitForOutputAsync("^Palisade DNS listening on");
        await AssertBytesGivenBackAsync(metrics, version, bundle.Length, dns);
        Assert.Equal(0, await dns.TerminateAsync());
    }

    /// <summary>
    /// Waits (up to 30 s) until the point enforces <paramref name="version"/> and its large-object heap, as the last
    /// collection left it, is smaller than the bundle: with the bundle's bytes still reachable it is the bundle's size
    /// and the policy's arrays together.
    /// </summary>
    private static async Task AssertBytesGivenBackAsync(int metricsPort, ulong version, int bundleLength, PalisadeProcess dns)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + metricsPort.ToString(CultureInfo.InvariantCulture)) };
        string text = "";
        long loh = -1;
        for (int i = 0; i < 300; i++)
        {
            text = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            Match enforced = PolicyVersion().Match(text);
            loh = long.Parse(LargeObjectHeap().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
            if (enforced.Success && ulong.Parse(enforced.Groups[1].Value, CultureInfo.InvariantCulture) == version && loh < bundleLength)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(loh > 0 && loh < bundleLength, $"large-object heap {loh} B, bundle {bundleLength} B\n{text}\n{dns.Output}");
        Assert.Matches("(?m)^process_resident_memory_bytes [1-9][0-9]{6,}$", text);
    }

    [GeneratedRegex("(?m)^palisade_policy_version ([0-9]+)$")]
    private static partial Regex PolicyVersion();

    [GeneratedRegex("(?m)^dotnet_gc_heap_size_bytes\\{generation=\"loh\"\\} ([0-9]+)$")]
    private static partial Regex LargeObjectHeap();
}
