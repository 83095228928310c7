using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Dns;
using Palisade.Client;
using Palisade.Log.Measurements;

namespace Palisade.Registry.Tests;

/// <summary>
/// <c>palisade probe</c> against a simulated operator network on loopback: web sites (http and https, with a test CA)
/// on a loopback address of their own, an unfiltered control resolver (unbound), and operator resolvers that enforce
/// in different ways: <c>palisade dns</c> (attributed), dnsmasq answering NXDOMAIN (unattributed), and a dnsmasq that
/// blocks a whole parent zone (over-blocked). Each resource must get the right verdict, as OONI measurements.
/// </summary>
public sealed class ProbeTests
{
    private static readonly string[] Sites = ["ordered.example", "a.shared.example", "shared.example", "www.shared.example", "site.example", "control.example"];

    [Fact]
    public async Task Probe_GivesEachResourceItsVerdict_UnderEachKindOfEnforcement()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("P-1", "ordered.example", "a.shared.example", "https://site.example/page"))).StatusCode);
        f.Host.Registry.Versions.PublishVersion();

        await using SimulatedNetwork net = await SimulatedNetwork.StartAsync(f);
        (int controlPort, string caFile, string list) = (net.ControlPort, net.CaFile, net.ControlList);
        // palisade dns: NXDOMAIN with an EDE naming the order; it cannot block a URL.
        int dnsPort = ExternalTool.FreePort();
        var options = new DnsServerOptions { PortalUrl = f.BaseAddress };
        options.Listen.Add(new IPEndPoint(IPAddress.Loopback, dnsPort));
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, controlPort));
        await using (EnforcementHost dns = await EnforcementHost.StartAsync(new DnsPoint(options), new EnforcementSettings(f.BaseAddress, NoteVerifier.Parse(f.Host.Registry.Log.VerifierKey)), cancel))
        {
            for (int i = 0; i < 100 && dns.Subscription.Current.Version == 0; i++)
            {
                await Task.Delay(100, cancel);
            }

            // This run also submits its measurements, signed by a registered probe.
            using NoteSigner probeKey = NoteSigner.Generate("probe-1");
            f.Host.Registry.Probes.Register(new Api.AddProbeRequest { Id = "probe-1", Asn = "AS64496", Key = probeKey.VerifierKey });
            string keyFile = Path.Combine(f.Directory, "probe-probe-1.key");
            await File.WriteAllTextAsync(keyFile, probeKey.ExportPrivateKey() + "\n", cancel);
            Dictionary<string, JsonObject> measured = await ProbeAsync(f, dnsPort, controlPort, caFile, list, "--submit", "--key", keyFile);
            List<Api.MeasurementView> stored = f.Host.Registry.Probes.Latest("rkn/P-1", "AS64496");
            Assert.Equal(measured.Values.Count(m => m["test_keys"]!["x_palisade_order"] is not null), stored.Count);
            Assert.Equal("enforced", stored.Single(m => m.Input == "http://ordered.example/").Verdict);
            Expect(measured, "http://ordered.example/", "enforced", "dns", "rkn/P-1");
            Expect(measured, "https://ordered.example/", "enforced", "dns", "rkn/P-1");
            Expect(measured, "http://a.shared.example/", "enforced", "dns", "rkn/P-1");
            Expect(measured, "http://shared.example/", "accessible", false, null);
            Expect(measured, "http://www.shared.example/", "accessible", false, null);
            Expect(measured, "https://site.example/page", "not-enforced", false, "rkn/P-1");
            Expect(measured, "http://control.example/", "accessible", false, null);
            Assert.Contains("rkn/P-1", measured["http://ordered.example/"]["test_keys"]!["x_palisade_attribution"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("dns_nxdomain_error", measured["http://ordered.example/"]["test_keys"]!["dns_experiment_failure"]!.GetValue<string>());
            Assert.Equal(200, measured["https://site.example/page"]["test_keys"]!["requests"]![0]!["response"]!["code"]!.GetValue<int>());
            Assert.Equal("TLSv1.3", measured["https://site.example/page"]["test_keys"]!["tls_handshakes"]![0]!["tls_version"]!.GetValue<string>());
        }

        // dnsmasq answering NXDOMAIN for the ordered names, without saying why.
        await using (Dnsmasq unattributed = await Dnsmasq.StartAsync(controlPort, "ordered.example", "a.shared.example"))
        {
            Dictionary<string, JsonObject> measured = await ProbeAsync(f, unattributed.Port, controlPort, caFile, list);
            Expect(measured, "http://ordered.example/", "enforced-unattributed", "dns", "rkn/P-1");
            Expect(measured, "http://a.shared.example/", "enforced-unattributed", "dns", "rkn/P-1");
            Expect(measured, "http://shared.example/", "accessible", false, null);
            Expect(measured, "https://site.example/page", "not-enforced", false, "rkn/P-1");
            Expect(measured, "http://control.example/", "accessible", false, null);
        }

        // dnsmasq blocking the whole parent zone of one ordered name, and missing the other.
        await using (Dnsmasq overBlocking = await Dnsmasq.StartAsync(controlPort, "shared.example"))
        {
            Dictionary<string, JsonObject> measured = await ProbeAsync(f, overBlocking.Port, controlPort, caFile, list);
            Expect(measured, "http://ordered.example/", "not-enforced", false, "rkn/P-1");
            Expect(measured, "http://a.shared.example/", "enforced-unattributed", "dns", "rkn/P-1");
            Expect(measured, "http://shared.example/", "over-blocked", "dns", null);
            Expect(measured, "http://www.shared.example/", "over-blocked", "dns", null);
            Expect(measured, "http://control.example/", "accessible", false, null);
            Assert.Contains("a.shared.example", measured["http://shared.example/"]["test_keys"]!["x_palisade_cause"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Probe_AddressBlockAndBlockPage_AreTold_AndSharedAddressesAreCollateral()
    {
        CancellationToken cancel = TestContext.Current.CancellationToken;
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        await using SimulatedNetwork net = await SimulatedNetwork.StartAsync(f);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("P-1", "ordered.example"))).StatusCode);
        using (HttpResponseMessage issued = await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("P-2", net.Web + "/32")))
        {
            Assert.True(issued.StatusCode == HttpStatusCode.Created, await issued.Content.ReadAsStringAsync(cancel));
        }

        f.Host.Registry.Versions.PublishVersion();

        // The operator blocks by address: its own network (source 127.0.0.1) is refused at TCP, while the control's path
        // (--control-bind 127.0.0.2) is not. A table of this test's own, matching only its web address.
        string table = "palisade_probe_" + Guid.NewGuid().ToString("N")[..8];
        (int exit, string output) = await ExternalTool.RunAsync("nft", "add", "table", "inet", table);
        Assert.True(exit == 0, $"nft cannot add a table (the probe tests need root or CAP_NET_ADMIN): {output}");
        try
        {
            Assert.Equal(0, (await ExternalTool.RunAsync("nft", "add", "chain", "inet", table, "out", "{ type filter hook output priority 0; }")).Exit);
            Assert.Equal(0, (await ExternalTool.RunAsync("nft", "add", "rule", "inet", table, "out", "ip", "saddr", "127.0.0.1", "ip", "daddr", net.Web.ToString(),
                "tcp", "dport", "{ 80, 443 }", "reject", "with", "tcp", "reset")).Exit);
            await using Dnsmasq plain = await Dnsmasq.StartAsync(net.ControlPort);
            Dictionary<string, JsonObject> measured = await ProbeAsync(f, plain.Port, net.ControlPort, net.CaFile, net.ControlList, "--control-bind", "127.0.0.2");
            Expect(measured, $"http://{net.Web}/", "enforced-unattributed", "tcp_ip", "rkn/P-2");
            Expect(measured, "http://ordered.example/", "enforced-unattributed", "tcp_ip", "rkn/P-1");
            Expect(measured, "http://control.example/", "over-blocked", "tcp_ip", null);
            Assert.Equal($"prefix {net.Web}/32 of order rkn/P-2 covers its address {net.Web} (a shared address)",
                measured["http://control.example/"]["test_keys"]!["x_palisade_cause"]!.GetValue<string>());
            Assert.Equal("connection_refused", measured["http://control.example/"]["test_keys"]!["tcp_connect"]![0]!["status"]!["failure"]!.GetValue<string>());
        }
        finally
        {
            await ExternalTool.RunAsync("nft", "delete", "table", "inet", table);
        }

        // The operator's resolver sends the ordered name to the registry's block page (HTTP 451 naming the order), with no
        // Extended DNS Error: the page tells the user.
        IPAddress blockPageAddress = SimulatedNetwork.RandomLoopback();
        await using Portal.BlockPageHost blockPage = await Portal.BlockPageHost.StartAsync(f.Host.Registry, [$"http://{blockPageAddress}:80"], cancel);
        await using Dnsmasq redirecting = await Dnsmasq.StartAsync(net.ControlPort, $"ordered.example/{blockPageAddress}");
        Dictionary<string, JsonObject> redirected = await ProbeAsync(f, redirecting.Port, net.ControlPort, net.CaFile, net.ControlList);
        Expect(redirected, "http://ordered.example/", "enforced", "dns", "rkn/P-1");
        Assert.Equal($"HTTP 451, blocked-by {f.Host.Registry.PublicUrl.TrimEnd('/')}/orders/rkn/P-1", redirected["http://ordered.example/"]["test_keys"]!["x_palisade_attribution"]!.GetValue<string>());
        Assert.True(redirected["http://ordered.example/"]["test_keys"]!["x_palisade_block_page"]!.GetValue<bool>());
        Expect(redirected, "https://ordered.example/", "enforced-unattributed", "dns", "rkn/P-1");
        Assert.False(redirected["https://ordered.example/"]["test_keys"]!["x_palisade_block_page"]!.GetValue<bool>());
        Expect(redirected, "http://control.example/", "accessible", false, null);
    }

    [Fact]
    public async Task Probe_ResolverThatDoesNotAnswer_ExitsThree()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("P-1", "ordered.example"))).StatusCode);
        f.Host.Registry.Versions.PublishVersion();
        int silent = ExternalTool.FreePort();
        (int exit, _, string stderr) = LogAuditTests.Cli("probe", "--registry", f.BaseAddress.ToString(), "--resolver", "127.0.0.1:" + silent, "--control-resolver", "127.0.0.1:" + silent, "--timeout", "0.5");
        Assert.Equal(3, exit);
        Assert.Contains($"the resolver --resolver 127.0.0.1:{silent} does not answer", stderr, StringComparison.Ordinal);
        (exit, _, stderr) = LogAuditTests.Cli("probe", "--registry", "http://127.0.0.1:1/", "--resolver", "127.0.0.1:53", "--control-resolver", "127.0.0.1:53");
        Assert.Equal(3, exit);
        Assert.Contains("cannot reach the registry", stderr, StringComparison.Ordinal);
    }

    /// <summary>Waits until a resolver answers control.example (a resolver loads its zones after it starts listening).</summary>
    private static async Task UntilAnswersAsync(int port)
    {
        string output = "";
        for (int i = 0; i < 100; i++)
        {
            (_, output) = await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+tries=1", "+time=1", "control.example");
            if (output.Contains("status: NOERROR", StringComparison.Ordinal) && output.Contains("ANSWER: 1", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the resolver on port {port} does not answer control.example: {output}");
    }

    private static async Task<Dictionary<string, JsonObject>> ProbeAsync(RegistryFixture f, int resolverPort, int controlPort, string caFile, string controlList, params string[] more)
    {
        (int exit, string stdout, string stderr) = await Task.Run(() => LogAuditTests.Cli(["probe", "--registry", f.BaseAddress.ToString(), "--resolver", "127.0.0.1:" + resolverPort,
            "--control-resolver", "127.0.0.1:" + controlPort, "--ca-file", caFile, "--control-list", controlList, "--timeout", "3", "--asn", "AS64496", "--cc", "RU", "--network", "Test ISP", .. more]));
        Assert.True(exit == 0, stderr);
        var measured = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonObject m = JsonNode.Parse(line)!.AsObject();
            CheckBaseDataFormat(m);
            measured[m["input"]!.GetValue<string>()] = m;
        }

        return measured;
    }

    /// <summary>The keys and types of OONI's base data format (df-000) and of the web_connectivity keys the probe writes.</summary>
    private static void CheckBaseDataFormat(JsonObject m)
    {
        foreach (string key in new[] { "data_format_version", "input", "measurement_start_time", "probe_asn", "probe_cc", "probe_ip", "probe_network_name", "report_id",
            "resolver_ip", "software_name", "software_version", "test_name", "test_start_time", "test_version" })
        {
            Assert.True(m[key] is JsonValue value && value.TryGetValue(out string? _), $"{key} is a string in {m.ToJsonString()}");
        }

        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", m["measurement_start_time"]!.GetValue<string>());
        Assert.Matches(@"^AS\d+$", m["probe_asn"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", m["probe_ip"]!.GetValue<string>());
        Assert.Equal("web_connectivity", m["test_name"]!.GetValue<string>());
        Assert.True(m["test_runtime"]!.GetValue<double>() >= 0);
        Assert.IsType<JsonObject>(m["annotations"]);
        JsonObject keys = m["test_keys"]!.AsObject();
        foreach (string list in new[] { "queries", "tcp_connect", "tls_handshakes", "requests" })
        {
            Assert.IsType<JsonArray>(keys[list]);
        }

        Assert.True(keys["blocking"] is null || keys["blocking"]!.GetValueKind() is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.False);

        // Every key the probe shares with OONI's own measurements (../shared/testdata/ooni) has the same JSON type there,
        // down through the queries, connects, handshakes and requests.
        foreach (JsonObject sample in OoniSamples.Value)
        {
            SameShape(m, sample, "$");
        }
        Assert.True(keys["accessible"] is null || keys["accessible"]!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
    }

    private static readonly Lazy<List<JsonObject>> OoniSamples = new(() =>
        [.. Directory.GetFiles(TestData.Path("ooni"), "*.json").Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject())]);

    private static void SameShape(JsonNode? ours, JsonNode? theirs, string path)
    {
        if (ours is null || theirs is null)
        {
            return;
        }

        switch (ours, theirs)
        {
            case (JsonObject mine, JsonObject other):
                foreach ((string key, JsonNode? value) in mine)
                {
                    if (other.TryGetPropertyValue(key, out JsonNode? their))
                    {
                        SameShape(value, their, path + "." + key);
                    }
                }

                break;
            case (JsonArray mine, JsonArray other):
                if (mine.Count > 0 && other.Count > 0)
                {
                    SameShape(mine[0], other[0], path + "[0]");
                }

                break;
            default:
                System.Text.Json.JsonValueKind a = ours.GetValueKind(), b = theirs.GetValueKind();
                bool boolean = a is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False && b is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False;

                // OONI's blocking is a string or false (ts-017).
                bool blocking = path.EndsWith(".blocking", StringComparison.Ordinal) && a is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.False
                    && b is System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.False;
                bool same = a == b || boolean || blocking;
                Assert.True(same, $"{path} is {a} here but {b} in OONI's measurement");
                break;
        }
    }

    private static void Expect(Dictionary<string, JsonObject> measured, string input, string verdict, object blocking, string? order)
    {
        Assert.True(measured.TryGetValue(input, out JsonObject? m), $"{input} was not measured; measured: {string.Join(' ', measured.Keys)}");
        JsonObject keys = m["test_keys"]!.AsObject();
        string context = $"{input}: {keys.ToJsonString()}";
        Assert.True(verdict == keys["x_palisade_verdict"]!.GetValue<string>(), context);
        Assert.True(blocking is false ? keys["blocking"]!.GetValueKind() == System.Text.Json.JsonValueKind.False : keys["blocking"]!.GetValue<string>() == (string)blocking, context);
        bool? accessible = verdict switch { "accessible" or "not-enforced" => true, "error" => null, _ => false };
        Assert.True(accessible == keys["accessible"]?.GetValue<bool>(), context);
        Assert.True(order == keys["x_palisade_order"]?.GetValue<string>(), context);
    }

    private static async Task<WebApplication> StartSitesAsync(IPAddress address, X509Certificate2 certificate)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, 80);
            k.Listen(address, 443, listen => listen.UseHttps(certificate));
        });
        WebApplication app = builder.Build();
        app.Run(context => context.Response.WriteAsync($"<html><head><title>{context.Request.Host.Host}</title></head><body>The site {context.Request.Host.Host} says hello. " +
            new string('.', 200) + "</body></html>"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static (X509Certificate2 Ca, X509Certificate2 Leaf) TestCertificates(string[] names)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Palisade probe test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=test sites", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            san.AddDnsName(name);
        }

        leafRequest.CertificateExtensions.Add(san.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = leafRequest.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return (ca, signed.CopyWithPrivateKey(leafKey));
    }

    /// <summary>The "internet" of a test: every site on one loopback address of the test's own (ports 80 and 443, https
    /// with a test CA written to <see cref="CaFile"/>), unbound as the control resolver answering their names, and a
    /// control list.</summary>
    private sealed class SimulatedNetwork : IAsyncDisposable
    {
        private readonly WebApplication _sites;
        private readonly Process _control;

        private SimulatedNetwork(IPAddress web, WebApplication sites, Process control, int controlPort, string caFile, string controlList)
        {
            Web = web;
            _sites = sites;
            _control = control;
            ControlPort = controlPort;
            CaFile = caFile;
            ControlList = controlList;
        }

        public IPAddress Web { get; }

        public int ControlPort { get; }

        public string CaFile { get; }

        public string ControlList { get; }

        public static IPAddress RandomLoopback() => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture,
            $"127.{RandomNumberGenerator.GetInt32(1, 255)}.{RandomNumberGenerator.GetInt32(0, 255)}.{RandomNumberGenerator.GetInt32(2, 254)}"));

        public static async Task<SimulatedNetwork> StartAsync(RegistryFixture f)
        {
            CancellationToken cancel = TestContext.Current.CancellationToken;
            IPAddress web = RandomLoopback();
            (X509Certificate2 ca, X509Certificate2 leaf) = TestCertificates(Sites);
            string caFile = Path.Combine(f.Directory, "ca.pem");
            await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem(), cancel);
            WebApplication sites = await StartSitesAsync(web, leaf);
            string names = Path.Combine(f.Directory, "names.zone");
            await File.WriteAllTextAsync(names, "$TTL 3600\n@ SOA ns.invalid. hostmaster.invalid. 1 60 60 60 60\n@ NS ns.invalid.\n" +
                string.Concat(Sites.Select(s => $"{s}. A {web}\n")), cancel);
            int controlPort = ExternalTool.FreePort();
            string config = Path.Combine(f.Directory, "control.conf");
            await File.WriteAllTextAsync(config, ExternalTool.UnboundConfig(controlPort, f.Directory, names).Replace("  interface: 127.0.0.1\n", "  interface: 127.0.0.1\n  access-control: 127.0.0.0/8 allow\n", StringComparison.Ordinal), cancel);
            Process control = ExternalTool.Start("unbound", "-d", "-c", config);
            string list = Path.Combine(f.Directory, "control-list.csv");
            await File.WriteAllTextAsync(list, "url,category_code,category_description,date_added,source,notes\nhttp://control.example/,NEWS,News Media,2026-11-01,test,\n", cancel);
            var network = new SimulatedNetwork(web, sites, control, controlPort, caFile, list);
            await UntilAnswersAsync(controlPort);
            return network;
        }

        public async ValueTask DisposeAsync()
        {
            _control.Kill();
            await _control.WaitForExitAsync(CancellationToken.None);
            _control.Dispose();
            await _sites.DisposeAsync();
        }
    }

    /// <summary>dnsmasq as an operator's resolver: forwards to the control resolver, answers NXDOMAIN for the blocked
    /// names and everything below them, with no Extended DNS Error naming an order.</summary>
    private sealed class Dnsmasq : IAsyncDisposable
    {
        private readonly Process _process;

        private Dnsmasq(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static async Task<Dnsmasq> StartAsync(int upstreamPort, params string[] blocked)
        {
            int port = ExternalTool.FreePort();
            // "NAME" answers NXDOMAIN for NAME and below; "NAME/ADDRESS" answers ADDRESS instead.
            Process process = ExternalTool.Start("dnsmasq", ["--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--pid-file=",
                "--listen-address=127.0.0.1", "--bind-interfaces", $"--port={port}", $"--server=127.0.0.1#{upstreamPort}", .. blocked.Select(b => $"--address=/{b}" + (b.Contains('/', StringComparison.Ordinal) ? "" : "/"))]);
            var dnsmasq = new Dnsmasq(process, port);
            await UntilAnswersAsync(port);
            return dnsmasq;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync(CancellationToken.None);
            _process.Dispose();
        }
    }
}
