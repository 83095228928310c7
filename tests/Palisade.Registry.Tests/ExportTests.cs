using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Palisade.Cli;

namespace Palisade.Registry.Tests;

/// <summary><c>palisade export</c> from a real registry, checked by the real tools that read each format.</summary>
public abstract class ExportTests(RegistryStoreKind store) : StoreTests(store)
{
    private static readonly string[] s_targets =
    [
        "telegram.org", "*.t.me", "149.154.160.0/20", "2001:67c:4e8::/48", "91.108.4.1/32", "https://example.org/page", "https://example.org/film/",
    ];

    private async Task<RegistryFixture> RegistryWithOrdersAsync()
    {
        RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        JsonObject order = RegistryFixture.Order("27-31-2018/Ид4412-18", s_targets);
        order["effective"] = "2018-04-16T00:00:00Z";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, order)).StatusCode);
        JsonObject shared = RegistryFixture.Order("PS,\"7\"", "telegram.org", "film.example");
        shared["effective"] = "2018-04-16T00:00:00Z";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, shared)).StatusCode);
        JsonObject pending = RegistryFixture.Order("FUTURE-1", "pending.example");
        pending["effective"] = "2099-01-01T00:00:00Z";
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, pending)).StatusCode);
        Assert.NotNull(f.Host.Registry.Versions.PublishVersion());
        return f;
    }

    private static string Export(RegistryFixture f, string format, params string[] more)
    {
        string path = Path.Combine(f.Directory, "export." + format);
        var stderr = new StringWriter();
        int exit = PalisadeCli.Run(["export", "--registry", f.BaseAddress.AbsoluteUri, "--format", format, "-o", path, .. more], TextReader.Null, new StringWriter(), stderr);
        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains("exported version 1", stderr.ToString(), StringComparison.Ordinal);
        return path;
    }

    [Fact]
    public async Task Rpz_AcceptedByNamedCheckzone_AndUnboundBlocksExactlyTheOrderedNames()
    {
        await using RegistryFixture f = await RegistryWithOrdersAsync();
        string zone = Export(f, "rpz");
        (int exit, string output) = await ExternalTool.RunAsync("named-checkzone", "rpz.palisade", zone);
        Assert.True(exit == 0, output);
        Assert.Contains("loaded serial 1", output, StringComparison.Ordinal);
        string text = await File.ReadAllTextAsync(zone, TestContext.Current.CancellationToken);
        Assert.Contains("telegram.org CNAME . ; agcom/PS,\"7\" rkn/27-31-2018/Ид4412-18", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pending.example", text, StringComparison.Ordinal);

        // The names come from an authoritative zone inside unbound, so they pass through the iterator and its RPZ.
        string names = Path.Combine(f.Directory, "names.zone");
        await File.WriteAllTextAsync(names, """
            $TTL 60
            @ SOA ns.invalid. hostmaster.invalid. 1 60 60 60 60
            @ NS ns.invalid.
            telegram.org. A 192.0.2.10
            web.telegram.org. A 192.0.2.11
            t.me. A 192.0.2.12
            a.t.me. A 192.0.2.13
            deep.a.t.me. A 192.0.2.14
            film.example. A 192.0.2.15
            pending.example. A 192.0.2.16
            in-prefix.example. A 149.154.160.5
            host-address.example. A 91.108.4.1
            next-door.example. A 91.108.4.2
            in-prefix6.example. AAAA 2001:67c:4e8::1
            example.org. A 192.0.2.17
            """, TestContext.Current.CancellationToken);
        int port = ExternalTool.FreePort();
        string config = Path.Combine(f.Directory, "unbound.conf");
        await File.WriteAllTextAsync(config, ExternalTool.UnboundConfig(port, f.Directory, names, $"rpz:\n  name: \"rpz.palisade\"\n  zonefile: \"{zone}\""),
            TestContext.Current.CancellationToken);
        using Process unbound = ExternalTool.Start("unbound", "-d", "-c", config);
        try
        {
            (string Name, string Type, string Expected)[] cases =
            [
                ("telegram.org", "A", "NXDOMAIN"),
                ("web.telegram.org", "A", "NOERROR"),
                ("t.me", "A", "NOERROR"),
                ("a.t.me", "A", "NXDOMAIN"),
                ("deep.a.t.me", "A", "NXDOMAIN"),
                ("film.example", "A", "NXDOMAIN"),
                ("pending.example", "A", "NOERROR"),
                ("in-prefix.example", "A", "NXDOMAIN"),
                ("host-address.example", "A", "NXDOMAIN"),
                ("next-door.example", "A", "NOERROR"),
                ("in-prefix6.example", "AAAA", "NXDOMAIN"),
                ("example.org", "A", "NOERROR"),
            ];
            foreach ((string name, string type, string expected) in cases)
            {
                string status = await DigStatusAsync(port, name, type);
                Assert.True(expected == status, $"{name} {type}: expected {expected}, unbound answered {status}");
            }
        }
        finally
        {
            unbound.Kill();
        }
    }

    private static async Task<string> DigStatusAsync(int port, string name, string type)
    {
        // unbound may still be loading its zones: retry while it does not answer.
        string output = "";
        for (int attempt = 0; attempt < 50; attempt++)
        {
            (_, output) = await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+tries=1", "+time=1", name, type);
            int at = output.IndexOf("status: ", StringComparison.Ordinal);
            if (at >= 0)
            {
                return output[(at + 8)..].Split(',')[0];
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return "no answer: " + output;
    }

    [Fact]
    public async Task Nftables_AcceptedByNftCheck_WithTheOrderedPrefixes()
    {
        await using RegistryFixture f = await RegistryWithOrdersAsync();
        string path = Export(f, "nftables");
        (int exit, string output) = await ExternalTool.RunAsync("nft", "-c", "-f", path);
        Assert.True(exit == 0, output);
        string text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Contains("149.154.160.0/20,", text, StringComparison.Ordinal);
        Assert.Contains("91.108.4.1\n", text, StringComparison.Ordinal);
        Assert.Contains("2001:67c:4e8::/48\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dnsmasq_AcceptedByDnsmasqTest()
    {
        await using RegistryFixture f = await RegistryWithOrdersAsync();
        string path = Export(f, "dnsmasq");
        (int exit, string output) = await ExternalTool.RunAsync("dnsmasq", "--test", "--conf-file=" + path);
        Assert.True(exit == 0, output);
        Assert.Contains("syntax check OK", output, StringComparison.Ordinal);
        string text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Contains("address=/*.t.me/\n", text, StringComparison.Ordinal);
        Assert.Contains("host-record=telegram.org,0.0.0.0,::\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListFormats_HoldExactlyTheTargetsInForce()
    {
        await using RegistryFixture f = await RegistryWithOrdersAsync();
        string[] hosts = [.. (await File.ReadAllLinesAsync(Export(f, "hosts"), TestContext.Current.CancellationToken)).Where(l => !l.StartsWith('#'))];
        Assert.Equal(["0.0.0.0 film.example # agcom/PS,\"7\"", "0.0.0.0 telegram.org # agcom/PS,\"7\" rkn/27-31-2018/Ид4412-18"], hosts);

        string[] abp = [.. (await File.ReadAllLinesAsync(Export(f, "abp"), TestContext.Current.CancellationToken)).Where(l => !l.StartsWith('!'))];
        Assert.Equal("[Adblock Plus 2.0]", abp[0]);
        Assert.Contains("|https://example.org/page|", abp);
        Assert.Contains("|https://example.org/film/", abp);
        Assert.Contains("|https://telegram.org^", abp);
        Assert.Contains(@"/^https?:\/\/[^\/?#@]+\.t\.me(?:[:\/?#]|$)/", abp);
        Assert.DoesNotContain(abp, l => l.Contains("pending", StringComparison.Ordinal));

        string[] csv = await File.ReadAllLinesAsync(Export(f, "csv"), TestContext.Current.CancellationToken);
        Assert.Equal("target,kind,reference,authority,category,effective,expires", csv[0]);
        Assert.Equal(s_targets.Length + 2, csv.Length - 1);
        Assert.Contains("telegram.org,domain,\"agcom/PS,\"\"7\"\"\",agcom,court-order,2018-04-16T00:00:00Z,", csv);

        List<JsonObject> delisting = [.. (await File.ReadAllLinesAsync(Export(f, "delisting"), TestContext.Current.CancellationToken)).Select(l => JsonNode.Parse(l)!.AsObject())];
        Assert.Equal(
            ["*.t.me", "film.example", "https://example.org/film/", "https://example.org/page", "telegram.org", "telegram.org"],
            delisting.Select(d => d["target"]!.GetValue<string>()));
        Assert.Equal(f.BaseAddress.AbsoluteUri + "orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", delisting[0]["orderUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task Export_WrongKeyOrBadFormat_FailsWithTheDocumentedExitCodes()
    {
        await using RegistryFixture f = await RegistryWithOrdersAsync();
        using var other = Palisade.Log.NoteSigner.Generate(f.Host.Registry.Log.Origin);
        var stderr = new StringWriter();
        Assert.Equal(5, PalisadeCli.Run(["export", "--registry", f.BaseAddress.AbsoluteUri, "--format", "hosts", "--key", other.VerifierKey], TextReader.Null, new StringWriter(), stderr));
        Assert.Contains("does not verify", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, PalisadeCli.Run(["export", "--registry", f.BaseAddress.AbsoluteUri, "--format", "bind"], TextReader.Null, new StringWriter(), new StringWriter()));
        Assert.Equal(3, PalisadeCli.Run(["export", "--registry", "http://127.0.0.1:1", "--format", "hosts"], TextReader.Null, new StringWriter(), new StringWriter()));
    }
}

/// <summary>ExportTests on SQLite.</summary>
public sealed class ExportTestsOnSqlite() : ExportTests(RegistryStoreKind.Sqlite);

/// <summary>ExportTests on PostgreSQL.</summary>
public sealed class ExportTestsOnPostgres() : ExportTests(RegistryStoreKind.Postgres);
