using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Palisade.Log;
using Palisade.Firewall;

namespace Palisade.Registry.Tests;

/// <summary>
/// <c>palisade firewall</c>: the kernel's nftables sets, in a network namespace the test creates, follow the address
/// prefixes the registry's versions hold, one transaction per change; the operator's rules survive; each applied version
/// is acknowledged.
/// </summary>
public sealed class FirewallTests
{
    [Fact]
    public async Task Firewall_Process_KeepsTheKernelSetsEqualToThePrefixesInForce_AndAcknowledges()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        f.Time.Advance(DateTimeOffset.UtcNow - f.Time.GetUtcNow()); // the point signs acknowledgements with the real clock
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner pointKey = NoteSigner.Generate("isp-1/nft-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "nft-1", Key = pointKey.VerifierKey });
        string keyFile = Path.Combine(f.Directory, "point-nft-1.key");
        await File.WriteAllTextAsync(keyFile, pointKey.ExportPrivateKey() + "\n", cancel);

        // Version 1: prefixes of both families, a host, a name (not the firewall's), and an order that expires in a few
        // seconds, between versions.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("A-1", "192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32", "blocked.example"))).StatusCode);
        JsonObject expiring = RegistryFixture.Order("A-2", "198.18.0.0/16");
        string expires = DateTimeOffset.FromUnixTimeSeconds(f.Time.GetUtcNow().ToUnixTimeSeconds() + 6).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        expiring["expires"] = expires;
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, expiring)).StatusCode);
        ulong v1 = registry.Versions.PublishVersion()!.Version;

        await using NetworkNamespace ns = await NetworkNamespace.CreateAsync(f.Directory);
        await using PalisadeProcess firewall = PalisadeProcess.Start("firewall", "--registry", f.BaseAddress.ToString(), "--key", registry.Log.VerifierKey,
            "--cache", Path.Combine(f.Directory, "firewall-cache"), "--nft", ns.Nft, "--table", "palisade", "--operator-key", keyFile);
        await firewall.WaitForOutputAsync("^Palisade firewall keeping sets inet palisade blocked_v4 and blocked_v6");
        // An IPv4 prefix is also held in the IPv6 forms packets carry it in: the NAT64 well-known prefix and 6to4.
        await WaitForSetsAsync(ns, firewall, ["192.0.2.0/24", "198.18.0.0/16", "198.51.100.7"],
            ["2001:db8::/32", "64:ff9b::c000:200/120", "2002:c000:200::/40", "64:ff9b::c612:0/112", "2002:c612::/32", "64:ff9b::c633:6407", "2002:c633:6407::/48"]);

        // The operator's own rules live in the same table and use the sets; updates never touch them. They are the
        // commands of docs/operators.md, run verbatim through a shell (with the namespace's nft).
        foreach (string line in DocSnippet.After("operators.md", "adds to the same table").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            Assert.StartsWith("nft ", line, StringComparison.Ordinal);
            (int ran, string output) = await ExternalTool.RunAsync("bash", "-c", ns.Nft + line[3..]);
            Assert.True(ran == 0, $"{line}: {output}");
        }

        // The expiring order leaves the set when it expires, with no new version.
        await WaitForSetsAsync(ns, firewall, ["192.0.2.0/24", "198.51.100.7"],
            ["2001:db8::/32", "64:ff9b::c000:200/120", "2002:c000:200::/40", "64:ff9b::c633:6407", "2002:c633:6407::/48"]);
        await f.WaitForAckedVersionAsync("isp-1", "nft-1", v1, () => firewall.Output);

        // Version 2: the first order revoked, a new one whose adjacent halves join and which overlaps nothing else.
        Assert.Equal(HttpStatusCode.OK, (await f.SendAsync(HttpMethod.Post, "/v1/orders/rkn/A-1/revoke", f.RknKey, new JsonObject { ["reason"] = "annulled" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("A-3", "203.0.113.0/25", "203.0.113.128/25", "192.0.2.0/25"))).StatusCode);
        ulong v2 = registry.Versions.PublishVersion()!.Version;
        await WaitForSetsAsync(ns, firewall, ["192.0.2.0/25", "203.0.113.0/24"],
            ["64:ff9b::c000:200/121", "2002:c000:200::/41", "64:ff9b::cb00:7100/120", "2002:cb00:7100::/40"]);
        await f.WaitForAckedVersionAsync("isp-1", "nft-1", v2, () => firewall.Output);

        (int exit, string rules) = await ns.RunNftAsync("list", "chain", "inet", "palisade", "forward");
        Assert.True(exit == 0, rules);
        Assert.Contains("ip daddr @blocked_v4 drop", rules, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr @blocked_v6 drop", rules, StringComparison.Ordinal);
        Assert.Contains("reject with icmpx admin-prohibited", rules, StringComparison.Ordinal);
        Assert.Equal(0, await firewall.TerminateAsync());
    }

    [Fact]
    public void Cli_TableName_NotAnIdentifier_IsAUsageError()
    {
        (int exit, _, string stderr) = LogAuditTests.Cli("firewall", "--registry", "http://127.0.0.1:1/", "--table", "x;flush ruleset");
        Assert.Equal(1, exit);
        Assert.Contains("--table 'x;flush ruleset' is not a table name", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_NftMissing_ExitsFourNamingIt()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        (int exit, _, string stderr) = LogAuditTests.Cli("firewall", "--registry", f.BaseAddress.ToString(), "--key", f.Host.Registry.Log.VerifierKey,
            "--cache", Path.Combine(f.Directory, "fw"), "--nft", "/nonexistent/nft");
        Assert.Equal(4, exit);
        Assert.Contains("cannot create table inet palisade", stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/nft", stderr, StringComparison.Ordinal);
    }

    private static async Task WaitForSetsAsync(NetworkNamespace ns, PalisadeProcess firewall, string[] v4, string[] v6)
    {
        List<string>? four = null, six = null;
        for (int i = 0; i < 200; i++)
        {
            four = await ns.SetElementsAsync("palisade", NftablesSets.IPv4Set);
            six = await ns.SetElementsAsync("palisade", NftablesSets.IPv6Set);
            if (four is not null && six is not null && four.Order(StringComparer.Ordinal).SequenceEqual(v4.Order(StringComparer.Ordinal))
                && six.Order(StringComparer.Ordinal).SequenceEqual(v6.Order(StringComparer.Ordinal)))
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the sets hold [{string.Join(", ", four ?? [])}] and [{string.Join(", ", six ?? [])}], not [{string.Join(", ", v4)}] and [{string.Join(", ", v6)}]; palisade firewall wrote:\n{firewall.Output}");
    }
}
