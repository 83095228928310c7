using System.Net;
using System.Text;

namespace Palisade.Probe.Tests;

/// <summary>OONI's classification of what the operator's network and the control saw (web_connectivity, ts-017).</summary>
public sealed class BlockingTests
{
    private static readonly IPAddress Site = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("198.51.100.1");

    private static WebResult Page(IPAddress address, int status, int length, string? connect = null, string? tls = null) => new()
    {
        EndPoint = new IPEndPoint(address, 443),
        ConnectFailure = connect,
        TlsFailure = tls,
        HttpFailure = connect ?? tls,
        Head = connect is null && tls is null ? HttpHead.Parse(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\n\r\n")) : null,
        Body = new byte[length],
    };

    public static TheoryData<string, string?, bool?> Cases => new()
    {
        { "same page", "false", true },
        { "no address", "dns", false },
        { "other address, other page", "dns", false },
        { "other address, same page", "false", true },
        { "connect refused", "tcp_ip", false },
        { "tls reset", "http-failure", false },
        { "451", "http-diff", false },
        { "short body", "http-diff", false },
        { "control down", null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Blocking_ComparesTheOperatorsPathWithTheControls(string scenario, string? blocking, bool? accessible)
    {
        WebResult control = Page(Site, 200, 1000);
        (List<IPAddress> addresses, List<WebResult> fetches, WebResult? controlFetch) = scenario switch
        {
            "same page" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 200, 990) }, (WebResult?)control),
            "no address" => (new List<IPAddress>(), new List<WebResult>(), (WebResult?)control),
            "other address, other page" => (new List<IPAddress> { Elsewhere }, new List<WebResult> { Page(Elsewhere, 451, 300) }, (WebResult?)control),
            "other address, same page" => (new List<IPAddress> { Elsewhere }, new List<WebResult> { Page(Elsewhere, 200, 1000) }, (WebResult?)control),
            "connect refused" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 0, 0, connect: "connection_refused") }, (WebResult?)control),
            "tls reset" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 0, 0, tls: "connection_reset") }, (WebResult?)control),
            "451" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 451, 1000) }, (WebResult?)control),
            "short body" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 200, 400) }, (WebResult?)control),
            "control down" => (new List<IPAddress> { Site }, new List<WebResult> { Page(Site, 0, 0, connect: "generic_timeout_error") }, (WebResult?)Page(Site, 0, 0, connect: "generic_timeout_error")),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        Assert.Equal((blocking, accessible), Prober.Blocking(addresses, [Site], fetches, controlFetch));
    }
}
