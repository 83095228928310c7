using System.Net;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary><c>palisade dns --operator-key</c> run as an operator runs it, a separate process against a real registry:
/// it acknowledges the version it starts with and each version it swaps in, and dig sees the orders enforced.</summary>
public sealed class DnsPointProcessTests
{
    [Fact]
    public async Task DnsProcess_WithOperatorKey_AcknowledgesEachVersionItSwapsIn()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        RegistryService registry = f.Host.Registry;
        f.Time.Advance(DateTimeOffset.UtcNow - f.Time.GetUtcNow()); // the point signs with the real clock
        registry.Operators.AddOperator(new Api.AddOperatorRequest { Id = "isp-1", Name = "An ISP" });
        using NoteSigner pointKey = NoteSigner.Generate("isp-1/dns-1");
        registry.Operators.AddPoint("isp-1", new Api.AddPointRequest { Id = "dns-1", Key = pointKey.VerifierKey });
        string keyFile = Path.Combine(f.Directory, "point-dns-1.key");
        await File.WriteAllTextAsync(keyFile, pointKey.ExportPrivateKey() + "\n", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("D-1", "first.example"))).StatusCode);
        ulong v1 = registry.Versions.PublishVersion()!.Version;
        int port = ExternalTool.FreePort();
        await using PalisadeProcess dns = PalisadeProcess.Start("dns", "--registry", f.BaseAddress.ToString(), "--key", registry.Log.VerifierKey,
            "--cache", Path.Combine(f.Directory, "dns-cache"), "--dns", "127.0.0.1:" + port, "--no-upstream", "--operator-key", keyFile);
        await dns.WaitForOutputAsync("^Palisade DNS listening on");
        await f.WaitForAckedVersionAsync("isp-1", "dns-1", v1, () => dns.Output);
        Assert.Contains("status: NXDOMAIN", (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "first.example", "A", "+tries=1", "+time=5")).Output, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("D-2", "second.example"))).StatusCode);
        ulong v2 = registry.Versions.PublishVersion()!.Version;
        await f.WaitForAckedVersionAsync("isp-1", "dns-1", v2, () => dns.Output);
        Assert.Contains("status: NXDOMAIN", (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "second.example", "A", "+tries=1", "+time=5")).Output, StringComparison.Ordinal);

        Assert.Equal(0, await dns.TerminateAsync());
    }
}
