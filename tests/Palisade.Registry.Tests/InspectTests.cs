using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary><c>palisade inspect FILE --registry URL</c>: the names of real captures matched against a real registry's
/// verified version, per order and entry, with the collateral of blocking URL orders by server name.</summary>
public sealed class InspectTests
{
    [Fact]
    public async Task Inspect_WithARegistry_ReportsWhatEachOrderMatches_AndSniCollateral()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("I-1", "www.ntop.org", "*.example.com"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("I-2", "http://google.com/", "https://www.ntop.org/blocked/page"))).StatusCode);
        f.Host.Registry.Versions.PublishVersion();

        string captures = TestData.Path("captures");
        JsonObject tls = await InspectAsync(f, Path.Combine(captures, "443-curl.pcap"));
        JsonObject match = tls["matches"]!.AsArray().Single()!.AsObject();
        Assert.Equal(("rkn/I-1", "www.ntop.org", "domain"), (match["order"]!.GetValue<string>(), match["target"]!.GetValue<string>(), match["kind"]!.GetValue<string>()));
        Assert.Equal((1, 1), (match["frames"]!.GetValue<int>(), match["flows"]!.GetValue<int>()));
        Assert.Equal(["sni:www.ntop.org"], match["names"]!.AsArray().Select(n => n!.GetValue<string>()));

        // The URL order's host is ordered whole by I-1, so blocking it by server name takes nothing more.
        Assert.Empty(tls["sniCollateral"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/I-1/amend", f.RknKey,
            new JsonObject { ["remove"] = new JsonArray("www.ntop.org") })).StatusCode);
        f.Host.Registry.Versions.PublishVersion();

        // Without it, SNI blocking of the URL order would take the whole host: collateral.
        tls = await InspectAsync(f, Path.Combine(captures, "443-curl.pcap"));
        Assert.Empty(tls["matches"]!.AsArray());
        JsonObject collateral = tls["sniCollateral"]!.AsArray().Single()!.AsObject();
        Assert.Equal(("rkn/I-2", "https://www.ntop.org/blocked/page"), (collateral["order"]!.GetValue<string>(), collateral["target"]!.GetValue<string>()));

        JsonObject dns = await InspectAsync(f, Path.Combine(captures, "dns.pcap"));
        Assert.Equal(["dns-qname:www.example.com"], dns["matches"]!.AsArray().Single(m => m!["target"]!.GetValue<string>() == "*.example.com")!["names"]!.AsArray().Select(n => n!.GetValue<string>()));

        JsonObject http = await InspectAsync(f, Path.Combine(captures, "http.pcapng"));
        Assert.Equal("http://google.com/", http["matches"]!.AsArray().Single()!["target"]!.GetValue<string>());

        (int exit, string table, string stderr) = LogAuditTests.Cli("inspect", Path.Combine(captures, "443-curl.pcap"), "--registry", f.BaseAddress.ToString());
        Assert.True(exit == 0, stderr);
        Assert.Contains("SNI blocking of https://www.ntop.org/blocked/page (rkn/I-2) would also block: sni:www.ntop.org", table, StringComparison.Ordinal);
        (exit, string csv, _) = LogAuditTests.Cli("inspect", Path.Combine(captures, "443-curl.pcap"), "--registry", f.BaseAddress.ToString(), "--format", "csv");
        Assert.Equal(0, exit);
        Assert.StartsWith("section,order,target,kind,frames,flows,first,last,names\nsni-collateral,rkn/I-2,https://www.ntop.org/blocked/page,", csv, StringComparison.Ordinal);
    }

    private static async Task<JsonObject> InspectAsync(RegistryFixture f, string capture)
    {
        (int exit, string stdout, string stderr) = await Task.Run(() => LogAuditTests.Cli("inspect", capture, "--registry", f.BaseAddress.ToString(), "--format", "json"));
        Assert.True(exit == 0, stderr);
        return JsonNode.Parse(stdout)!.AsObject();
    }
}
