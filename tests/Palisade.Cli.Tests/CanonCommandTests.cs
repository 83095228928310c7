namespace Palisade.Cli.Tests;

public sealed class CanonCommandTests
{
    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = PalisadeCli.Run(args, new StringReader(stdin), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Canon_Domain_PrintsCanonicalFormsAndExitsZero()
    {
        var (exit, output, error) = Run("", "canon", "domain", "президент.рф", "Example.COM.");
        Assert.Equal(0, exit);
        Assert.Equal("xn--d1abbgf6aiiy.xn--p1ai\nexample.com\n", output.ReplaceLineEndings("\n"));
        Assert.Empty(error);
    }

    [Fact]
    public void Canon_BadValue_NamesValueAndRuleAndExitsTwo()
    {
        var (exit, output, error) = Run("", "canon", "domain", "a..b", "ok.example");
        Assert.Equal(2, exit);
        Assert.Equal("ok.example\n", output.ReplaceLineEndings("\n"));
        Assert.Contains("'a..b'", error, StringComparison.Ordinal);
        Assert.Contains("label is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Canon_Dash_ReadsValuesFromStdin()
    {
        var (exit, output, _) = Run("HTTP://Example.com/a/../b#frag\nhttps://x.example:443/\n", "canon", "url", "-");
        Assert.Equal(0, exit);
        Assert.Equal("http://example.com/b\nhttps://x.example/\n", output.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("pattern", "*.Example.com", "*.example.com")]
    [InlineData("ip", "2001:DB8:0:0::/32", "2001:db8::/32")]
    [InlineData("ip", "192.0.2.7", "192.0.2.7/32")]
    public void Canon_Kinds_PrintCanonicalForm(string kind, string input, string expected)
    {
        var (exit, output, _) = Run("", "canon", kind, input);
        Assert.Equal(0, exit);
        Assert.Equal(expected + "\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Canon_IpWithHostBits_NamesCanonicalPrefix()
    {
        var (exit, _, error) = Run("", "canon", "ip", "192.0.2.1/24");
        Assert.Equal(2, exit);
        Assert.Contains("192.0.2.0/24", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownVerb_ExitsOne()
    {
        var (exit, _, error) = Run("", "bogus");
        Assert.Equal(1, exit);
        Assert.Contains("bogus", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsVerbsAndExitCodes()
    {
        var (exit, output, _) = Run("", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("canon", output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_CorruptLogKey_ExitsFourNamingTheFile()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            File.WriteAllText(Path.Combine(data, "log.key"), "not a key");
            var (exit, _, error) = Run("", "serve", "--data", data, "--urls", "http://127.0.0.1:0");
            Assert.Equal(4, exit);
            Assert.Contains("log.key", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void DnsWithoutUpstream_IsRefusedUnlessNoUpstreamSaysItIsMeant()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string[] args in new[]
            {
                new[] { "serve", "--data", data, "--urls", "http://127.0.0.1:0", "--dns", "127.0.0.1:0" },
                new[] { "dns", "--registry", "http://127.0.0.1:1/", "--dns", "127.0.0.1:0", "--cache", data },
            })
            {
                var (exit, _, error) = Run("", args);
                Assert.Equal(1, exit);
                Assert.Contains("--dns without --upstream", error, StringComparison.Ordinal);
                Assert.Contains("--no-upstream if that is meant", error, StringComparison.Ordinal);
            }

            var (both, _, contradiction) = Run("", "serve", "--data", data, "--dns", "127.0.0.1:0", "--upstream", "127.0.0.1:53", "--no-upstream");
            Assert.Equal(1, both);
            Assert.Contains("contradict", contradiction, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public void Serve_DnsAddressInUse_ExitsFourNamingIt_AndLeavesNothingListening()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-cli-" + Guid.NewGuid().ToString("N"));
        using var taken = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)taken.Client.LocalEndPoint!).Port;
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int httpPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        try
        {
            var (exit, _, error) = Run("", "serve", "--data", data, "--urls", $"http://127.0.0.1:{httpPort}", "--dns", $"127.0.0.1:{port}", "--no-upstream");
            Assert.Equal(4, exit);
            Assert.Contains($"cannot serve DNS on 127.0.0.1:{port}", error, StringComparison.Ordinal);

            // The registry's own listener, started before the DNS server failed, was closed with it.
            using var again = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, httpPort);
            again.Start();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void ExitCodes_OneMappingFromExceptionTypes()
    {
        Assert.Equal(6, ExitCodes.For(new CommandFailedException(ExitCodes.NotCovered, "x")));
        Assert.Equal(2, ExitCodes.For(new Palisade.Policy.VersionNotInLogException("the log publishes no version 9")));
        Assert.Equal(2, ExitCodes.For(Palisade.Registry.RegistryProblem.Invalid("f", "x")));
        Assert.Equal(3, ExitCodes.For(new HttpRequestException("refused")));
        Assert.Equal(4, ExitCodes.For(new Palisade.Registry.RegistryConfigurationException("x")));
        Assert.Equal(4, ExitCodes.For(new FormatException("malformed entry")));
        Assert.Equal(5, ExitCodes.For(new Palisade.Log.LogVerificationException("tampered")));
        Assert.Equal(5, ExitCodes.For(new Palisade.Policy.PolicyVerificationException("bad signature")));
        Assert.Null(ExitCodes.For(new InvalidOperationException("a fault of ours")));
    }

    [Theory]
    [InlineData("dns --registry http://127.0.0.1:1", "--dns names no address")]
    [InlineData("dns --registry ftp://x --dns 127.0.0.1:0", "not an absolute http(s) URL")]
    [InlineData("dns --registry http://127.0.0.1:1 --dns 127.0.0.1", "not an address:port")]
    [InlineData("dns --registry http://127.0.0.1:1 --dns 127.0.0.1:0 --block-action redirect", "not one of nxdomain, nodata, blockpage")]
    [InlineData("dns --registry http://127.0.0.1:1 --dns 127.0.0.1:0 --block-action blockpage", "BlockPageV4")]
    [InlineData("serve --dns 127.0.0.1:0 --upstream nowhere", "--upstream 'nowhere' is not an address:port")]
    public void Dns_BadFlags_ExitOneNamingTheFlag(string args, string message)
    {
        var (exit, _, error) = Run("", args.Split(' '));
        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
