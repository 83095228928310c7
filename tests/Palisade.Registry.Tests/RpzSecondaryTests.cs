using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Log;
using Palisade.Dns;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>An operator's RPZ secondary (a real unbound) configured as an enforcement point: the registry's DNS server
/// records the serial of each transfer it completes, as <c>serve --rpz-secondary</c> wires it.</summary>
public sealed class RpzSecondaryTests
{
    [Fact]
    public async Task UnboundSecondary_EachNewerSerialItTransfers_IsLoggedAsThePointsVersion()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner unused = NoteSigner.Generate("isp-1/rpz-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "rpz-1", Key = unused.VerifierKey });
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("S-1", "first.example"))).StatusCode);
        ulong v1 = registry.Versions.PublishVersion()!.Version;

        int dnsPort = ExternalTool.FreePort();
        int secondaryPort = ExternalTool.FreePort();
        var options = new DnsServerOptions { PortalUrl = f.BaseAddress };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, dnsPort));
        options.Notify.Add(new IPEndPoint(IPAddress.Loopback, secondaryPort));
        Dictionary<IPAddress, string> points = Palisade.Cli.RpzSecondaryPoints.Parse(["127.0.0.1=rpz-1"], options.Notify, out string? error)!;
        Assert.Null(error);
        Assert.Null(Palisade.Cli.RpzSecondaryPoints.Parse(["127.0.0.2=rpz-1"], options.Notify, out error));
        Assert.Contains("127.0.0.2 is not a --notify target", error, StringComparison.Ordinal);
        Assert.Null(Palisade.Cli.RpzSecondaryPoints.Parse(["rpz-1"], options.Notify, out error));
        Assert.Contains("is not ADDRESS=POINT", error, StringComparison.Ordinal);

        var dns = new DnsPoint(options);
        await using EnforcementHost host = await EnforcementHost.StartAsync(dns, new EnforcementSettings(f.BaseAddress, NoteVerifier.Parse(registry.Log.VerifierKey)), cancel);
        Palisade.Cli.RpzSecondaryPoints.Attach(dns.Server.Rpz!, registry, points, NullLogger.Instance);
        for (int i = 0; i < 100 && dns.Server.Rpz!.Serial != v1; i++)
        {
            await Task.Delay(100, cancel);
        }

        // A transfer from a client that is not a configured secondary is served but not recorded.
        Assert.Contains("first.example.rpz.palisade.", (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", dnsPort.ToString(CultureInfo.InvariantCulture), "-b", "127.0.0.2", "rpz.palisade", "AXFR")).Output, StringComparison.Ordinal);
        Assert.Empty(dns.Server.Rpz!.Secondaries);

        string names = Path.Combine(f.Directory, "names.zone");
        await File.WriteAllTextAsync(names, "$TTL 60\n@ SOA ns.invalid. hostmaster.invalid. 1 60 60 60 60\n@ NS ns.invalid.\nfirst.example. A 192.0.2.1\nsecond.example. A 192.0.2.2\n", cancel);
        string config = Path.Combine(f.Directory, "secondary.conf");
        await File.WriteAllTextAsync(config, ExternalTool.UnboundConfig(secondaryPort, f.Directory, names,
            $"rpz:\n  name: \"rpz.palisade\"\n  primary: 127.0.0.1@{dnsPort}\n  allow-notify: 127.0.0.1"), cancel);
        using Process unbound = ExternalTool.Start("unbound", "-d", "-c", config);
        try
        {
            await f.WaitForAckedVersionAsync("isp-1", "rpz-1", v1);

            // A new version: NOTIFY, unbound transfers it (IXFR), and the point's version follows.
            Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("S-2", "second.example"))).StatusCode);
            ulong v2 = registry.Versions.PublishVersion()!.Version;
            await f.WaitForAckedVersionAsync("isp-1", "rpz-1", v2);
            Assert.Contains(dns.Server.Rpz!.Secondaries, s => s.Secondary.Equals(IPAddress.Loopback) && s.Serial == (uint)v2);
            var metrics = new StringWriter();
            dns.WriteMetrics(metrics);
            Assert.Contains($"palisade_rpz_secondary_serial{{secondary=\"127.0.0.1\"}} {v2}", metrics.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            unbound.Kill();
            await unbound.WaitForExitAsync(CancellationToken.None);
        }

        // Logged once per newer serial (a refresh that finds nothing new logs nothing), as point.transferred entries
        // that the derived tables are checked against when the registry opens again.
        Assert.Null(registry.Operators.RecordTransfer("rpz-1", v1, "IXFR"));
        RegistryOptions reopen = registry.Options;
        await f.StopAsync();
        using RegistryService reopened = RegistryService.Open(reopen);
        Assert.Equal(2L, reopened.Operators.List().Single().Points.Single().AckedVersion);
    }
}
