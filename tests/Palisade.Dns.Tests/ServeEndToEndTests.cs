using System.Diagnostics;
using System.Globalization;

namespace Palisade.Dns.Tests;

/// <summary><c>palisade serve --dns --upstream</c> as users run it: an order issued over HTTP is enforced by the DNS
/// server of the same process within seconds, and by an unbound that follows its RPZ zone through NOTIFY and IXFR.</summary>
public sealed class ServeEndToEndTests(UpstreamResolver upstream) : IClassFixture<UpstreamResolver>
{
    private string Data => Path.Combine(upstream.Directory, "serve-" + Guid.NewGuid().ToString("N"));

    private string Upstream => "127.0.0.1:" + upstream.Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Serve_OrderIssued_IsEnforcedByDnsWithinFiveSeconds()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(Data, "--dns", "127.0.0.1:0", "--upstream", Upstream, "--rpz-zone", "rpz.palisade");

        // Before the order the name resolves through the upstream.
        Assert.Contains("192.0.2.10", await DigAsync(serve.DnsPort, "telegram.org"), StringComparison.Ordinal);

        var clock = Stopwatch.StartNew();
        await serve.IssueAsync("27-31-2018/Ид4412-18", "telegram.org", "*.t.me");
        string answer = await UntilAsync(serve.DnsPort, "telegram.org", "NXDOMAIN");
        TimeSpan enforced = clock.Elapsed;
        TestContext.Current.SendDiagnosticMessage($"order enforced by DNS {enforced.TotalMilliseconds:F0} ms after it was issued");
        Assert.Contains("EDE: 16 (Censored): (order rkn/27-31-2018/Ид4412-18 " + serve.Http.BaseAddress!.AbsoluteUri.TrimEnd('/') + "/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18)", answer, StringComparison.Ordinal);
        Assert.True(enforced < TimeSpan.FromSeconds(5), $"enforced after {enforced}");

        string metrics = await serve.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("palisade_dns_blocked_total{order=\"rkn/27-31-2018/Ид4412-18\"} 1", metrics, StringComparison.Ordinal);
        Assert.Matches(@"palisade_policy_version [1-9]", metrics);
        Assert.Contains("palisade_policy_verification_failures_total 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataDirectoryMadeByAuthorityAdd_PrintsAdminKey_StopsWithinFiveSecondsOfSigterm_AndRestarts()
    {
        string data = Data;
        var add = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "palisade.dll"), "authority", "add", "--data", data, "--id", "agcom", "--name", "AGCOM" })
        {
            add.ArgumentList.Add(arg);
        }

        using (Process process = Process.Start(add)!)
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        }

        // StartAsync needs the admin key line: the registry has authorities but no admin key, so serve creates one.
        string dnsPort = ExternalTool.FreePort().ToString(CultureInfo.InvariantCulture);
        ServeProcess serve = await ServeProcess.StartAsync(data, "--dns", "127.0.0.1:" + dnsPort, "--upstream", Upstream);
        await using (serve)
        {
            await serve.IssueAsync("R-1", "telegram.org");
            await UntilAsync(dnsPort, "telegram.org", "NXDOMAIN");
            (TimeSpan elapsed, int exit) = await serve.TerminateAsync();
            TestContext.Current.SendDiagnosticMessage($"palisade serve --dns stopped {elapsed.TotalMilliseconds:F0} ms after SIGTERM");
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"stopped after {elapsed}");
            Assert.Equal(0, exit);
        }

        // A restart right away gets the data directory and the ports back, and enforces the stored order.
        await using ServeProcess again = await ServeProcess.RestartAsync(data, "--dns", "127.0.0.1:" + dnsPort, "--upstream", Upstream);
        await UntilAsync(dnsPort, "telegram.org", "NXDOMAIN");
    }

    [Fact]
    public async Task Serve_FirstStartFailsOnATakenDnsPort_ShowsNoAdminKey_AndTheNextStartShowsIt()
    {
        string data = Data;
        using var taken = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        string port = ((System.Net.IPEndPoint)taken.Client.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        (int exit, string stdout, string stderr) = await RunAsync("serve", "--data", data, "--urls", "http://127.0.0.1:0", "--dns", "127.0.0.1:" + port, "--upstream", Upstream);
        Assert.Equal(4, exit);
        Assert.DoesNotContain("First admin key", stdout, StringComparison.Ordinal);
        Assert.Contains(port, stderr, StringComparison.Ordinal);

        // The next start that works makes the key and shows it (StartAsync reads it from the output).
        await using ServeProcess serve = await ServeProcess.StartAsync(data, "--dns", "127.0.0.1:0", "--upstream", Upstream);
        Assert.Contains("First admin key (shown once, keep it safe): pal_", serve.Output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "palisade.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Rpz_UnboundSecondary_TransfersTheZone_AndFollowsNotifyAndIxfr()
    {
        int dnsPort = ExternalTool.FreePort();
        int secondaryPort = ExternalTool.FreePort();
        string port = dnsPort.ToString(CultureInfo.InvariantCulture);
        await using ServeProcess serve = await ServeProcess.StartAsync(Data, "--dns", "127.0.0.1:" + port, "--upstream", Upstream,
            "--notify", "127.0.0.1:" + secondaryPort.ToString(CultureInfo.InvariantCulture));
        await serve.IssueAsync("R-1", "telegram.org", "*.t.me", "149.154.160.0/20");
        await UntilAsync(port, "telegram.org", "NXDOMAIN");

        string axfr = (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port, "rpz.palisade", "AXFR")).Output;
        // The zone's TTLs and SOA minimum are the DNS point's negative TTL (60 s by default), as its own blocked answers.
        Assert.Matches(@"rpz\.palisade\.\s+60\s+IN\s+SOA\s+localhost\. hostmaster\.localhost\. 1 3600 600 604800 60\s", axfr);
        Assert.Matches(@"telegram\.org\.rpz\.palisade\.\s+60\s+IN\s+CNAME\s+\.", axfr);
        Assert.Matches(@"SOA\s+localhost\. hostmaster\.localhost\. 1 3600 600 604800 60", await DigAsync(port, "telegram.org"));
        Assert.Contains("telegram.org.rpz.palisade.", axfr, StringComparison.Ordinal);
        Assert.Contains("20.0.160.154.149.rpz-ip.rpz.palisade.", axfr, StringComparison.Ordinal);

        // The snippet of docs/dns.md as written, after a test configuration without RPZ (which it must enable itself).
        string snippet = DocSnippet.After("dns.md", "Unbound follows it with").Replace("127.0.0.1@5353", $"127.0.0.1@{port}", StringComparison.Ordinal);
        string config = Path.Combine(upstream.Directory, $"secondary-{secondaryPort}.conf");
        await File.WriteAllTextAsync(config, ExternalTool.UnboundConfig(secondaryPort, upstream.Directory, Path.Combine(upstream.Directory, "names.zone")) + "\n" + snippet,
            TestContext.Current.CancellationToken);
        using Process unbound = ExternalTool.Start("unbound", "-d", "-c", config);
        try
        {
            string secondary = secondaryPort.ToString(CultureInfo.InvariantCulture);
            await UntilAsync(secondary, "telegram.org", "NXDOMAIN");
            await UntilAsync(secondary, "a.t.me", "NXDOMAIN");
            Assert.Contains("status: NOERROR", await DigAsync(secondary, "t.me"), StringComparison.Ordinal);
            Assert.Contains("status: NOERROR", await DigAsync(secondary, "ok.example"), StringComparison.Ordinal);

            // A new order: the registry publishes, the server swaps, NOTIFY goes out, unbound fetches the change by IXFR.
            var clock = Stopwatch.StartNew();
            await serve.IssueAsync("R-2", "ok.example");
            await UntilAsync(secondary, "ok.example", "NXDOMAIN");
            TestContext.Current.SendDiagnosticMessage($"unbound enforced the new order {clock.Elapsed.TotalMilliseconds:F0} ms after it was issued");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"unbound followed after {clock.Elapsed}");

            string ixfr = (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port, "rpz.palisade", "IXFR=1")).Output;
            Assert.Matches(@"SOA\s+localhost\. hostmaster\.localhost\. 2 [\s\S]*SOA\s+localhost\. hostmaster\.localhost\. 1 [\s\S]*ok\.example\.rpz\.palisade\.", ixfr);
        }
        finally
        {
            unbound.Kill();
        }
    }

    [Fact]
    public async Task Rpz_BindSecondaryWithTsig_AsDocumented_TransfersTheZone_AndFollowsNotifyAndIxfr()
    {
        const string Secret = "c2VjcmV0LWtleS1mb3ItcGFsaXNhZGUtcnB6LXRyYW5zZmVycw==";
        int dnsPort = ExternalTool.FreePort();
        int bindPort = ExternalTool.FreePort();
        string port = dnsPort.ToString(CultureInfo.InvariantCulture);
        string secondary = bindPort.ToString(CultureInfo.InvariantCulture);
        await using ServeProcess serve = await ServeProcess.StartAsync(Data, "--dns", "127.0.0.1:" + port, "--upstream", Upstream,
            "--rpz-tsig", "hmac-sha256:xfr.palisade:" + Secret, "--notify", "127.0.0.1:" + secondary);
        await serve.IssueAsync("R-1", "telegram.org", "*.t.me");
        await UntilAsync(port, "telegram.org", "NXDOMAIN");

        // named.conf: the snippet of docs/dns.md verbatim, with the test's own settings added to its options block.
        string directory = Path.Combine(upstream.Directory, "bind-" + secondary);
        Directory.CreateDirectory(directory);
        string snippet = DocSnippet.After("dns.md", "the secondary (BIND")
            .Replace("BASE64", Secret, StringComparison.Ordinal)
            .Replace("192.0.2.1 port 5353", "127.0.0.1 port " + port, StringComparison.Ordinal)
            .Replace("options {", $$"""
                options { directory "{{directory}}"; pid-file "{{directory}}/named.pid"; listen-on port {{secondary}} { 127.0.0.1; }; listen-on-v6 { none; };
                  recursion yes; allow-query { 127.0.0.1; }; forwarders { 127.0.0.1 port {{upstream.Port}}; }; forward only; dnssec-validation no;
                """, StringComparison.Ordinal);
        string config = Path.Combine(directory, "named.conf");
        await File.WriteAllTextAsync(config, snippet, TestContext.Current.CancellationToken);
        (int check, string checkOutput) = await ExternalTool.RunAsync("named-checkconf", config);
        Assert.True(check == 0, checkOutput + "\n" + snippet);
        using Process named = ExternalTool.Start("named", "-g", "-c", config);
        var log = new System.Text.StringBuilder();
        named.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        named.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        named.BeginErrorReadLine();
        named.BeginOutputReadLine();
        try
        {
            await UntilAsync(secondary, "telegram.org", "NXDOMAIN");
            await UntilAsync(secondary, "a.t.me", "NXDOMAIN");
            Assert.Contains("status: NOERROR", await DigAsync(secondary, "ok.example"), StringComparison.Ordinal);

            // A new order: NOTIFY (signed), BIND's signed SOA probe and IXFR, each answered signed.
            var clock = Stopwatch.StartNew();
            await serve.IssueAsync("R-2", "ok.example");
            await UntilAsync(secondary, "ok.example", "NXDOMAIN");
            TestContext.Current.SendDiagnosticMessage($"BIND enforced the new order {clock.Elapsed.TotalMilliseconds:F0} ms after it was issued");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (log)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\nnamed wrote:\n{log}\npalisade serve wrote:\n{serve.Output}");
            }
        }
        finally
        {
            named.Kill();
        }
    }

    private static async Task<string> DigAsync(string port, string name) =>
        (await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", port, "+tries=1", "+time=2", name, "A")).Output;

    /// <summary>Queries until the answer has <paramref name="status"/> (at most 30 s; the caller measures what it needs).</summary>
    private static async Task<string> UntilAsync(string port, string name, string status)
    {
        var clock = Stopwatch.StartNew();
        string answer;
        do
        {
            answer = await DigAsync(port, name);
            if (answer.Contains("status: " + status, StringComparison.Ordinal))
            {
                return answer;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Fail($"{name} on port {port} never answered {status}: {answer}");
        return answer;
    }
}
