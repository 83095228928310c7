using Palisade.Log;
using System.Text.Json.Nodes;
using Palisade.Cli;

namespace Palisade.Registry.Tests;

/// <summary><c>palisade order</c>, <c>palisade lookup</c>, and <c>authority add</c> / <c>key create</c> over HTTP, against
/// a real registry, with the exit codes of docs/cli.md.</summary>
public sealed class OrderCommandTests
{
    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = PalisadeCli.Run(args, new StringReader(stdin), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string[] Issue(RegistryFixture f, string decision, params string[] targets) =>
        ["order", "issue", "--registry", f.BaseAddress.AbsoluteUri, "--key", f.RknKey, "--decision", decision, "--decision-date", "2018-04-13",
            "--legal-basis", "Federal Law 149-FZ, art. 15.4", "--category", "court-order", "--effective", "2026-11-23T00:00:00Z",
            .. targets.SelectMany(t => new[] { "--target", t })];

    [Fact]
    public async Task IssueLookupAmendShowListRevoke_ThroughTheCommandLine()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        string registry = f.BaseAddress.AbsoluteUri;

        (int exit, string output, string error) = Run("", Issue(f, "27-31-2018/Ид4412-18", "ПРИМЕР.рф", "*.T.me", "149.154.160.0/20"));
        Assert.True(exit == 0, error);
        Assert.Equal("rkn/27-31-2018/Ид4412-18\n", output.ReplaceLineEndings("\n"));
        Assert.Contains("'ПРИМЕР.рф' recorded as 'xn--e1afmkfd.xn--p1ai'", error, StringComparison.Ordinal);

        (exit, output, _) = Run("", "lookup", "--registry", registry, "пример.рф");
        Assert.Equal(0, exit);
        Assert.Contains("rkn/27-31-2018/Ид4412-18", output, StringComparison.Ordinal);
        Assert.Equal(0, Run("", "lookup", "--registry", registry, "149.154.167.99").Exit);
        Assert.Equal(0, Run("", "lookup", "--registry", registry, "https://a.t.me/x").Exit);
        (exit, output, error) = Run("", "lookup", "--registry", registry, "free.example");
        Assert.Equal(6, exit);
        Assert.Equal("", output);
        Assert.Contains("no order in force covers name 'free.example'", error, StringComparison.Ordinal);
        (exit, _, error) = Run("", "lookup", "--registry", registry, "bad..name");
        Assert.Equal(2, exit);
        Assert.Contains("label is empty", error, StringComparison.Ordinal);

        // Long lists from standard input; comments and blank lines skipped; the write is visible in the API.
        (exit, output, error) = Run("b.example\n# a comment\n\nC.Example.\n", "order", "amend", "rkn/27-31-2018/Ид4412-18", "--registry", registry, "--key", f.RknKey,
            "--targets-file", "-", "--remove", "*.t.me", "--reason", "appeal");
        Assert.True(exit == 0, error);
        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", TestContext.Current.CancellationToken));
        Assert.Equal(["149.154.160.0/20", "b.example", "c.example", "xn--e1afmkfd.xn--p1ai"],
            order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        (exit, output, _) = Run("", "order", "show", "rkn/27-31-2018/Ид4412-18", "--registry", registry);
        Assert.Equal(0, exit);
        Assert.Contains("пример.рф", output, StringComparison.Ordinal);
        Assert.Contains("order.amended", output, StringComparison.Ordinal);
        (exit, output, _) = Run("", "order", "list", "--registry", registry, "--json");
        Assert.Equal(0, exit);
        Assert.Equal("rkn/27-31-2018/Ид4412-18", JsonNode.Parse(output)!["orders"]![0]!["reference"]!.GetValue<string>());

        Assert.Equal(0, Run("", "order", "revoke", "rkn/27-31-2018/Ид4412-18", "--registry", registry, "--key", f.RknKey, "--reason", "annulled").Exit);
        Assert.Equal(6, Run("", "lookup", "--registry", registry, "пример.рф").Exit);

        // Refusals: a value (2, naming the field), a conflict (2), a wrong key (4), another authority's order (4),
        // no key (1), an unreachable registry (3), a missing order (2).
        (exit, _, error) = Run("", Issue(f, "X-1", "149.154.167.0/20"));
        Assert.Equal(2, exit);
        Assert.Contains("targets[0]", error, StringComparison.Ordinal);
        Assert.Contains("host bits", error, StringComparison.Ordinal);
        Assert.Equal(2, Run("", "order", "revoke", "rkn/27-31-2018/Ид4412-18", "--registry", registry, "--key", f.RknKey).Exit);
        Assert.Equal(4, Run("", "order", "revoke", "rkn/27-31-2018/Ид4412-18", "--registry", registry, "--key", "pal_wrong_key").Exit);
        Assert.Equal(4, Run("", "order", "revoke", "rkn/27-31-2018/Ид4412-18", "--registry", registry, "--key", f.AgcomKey).Exit);
        Assert.Equal(1, Run("", "order", "revoke", "rkn/27-31-2018/Ид4412-18", "--registry", registry).Exit);
        Assert.Equal(3, Run("", "order", "list", "--registry", "http://127.0.0.1:1/").Exit);
        Assert.Equal(2, Run("", "order", "show", "rkn/none", "--registry", registry).Exit);
        Assert.Equal(1, Run("", "order", "show", "no-reference", "--registry", registry).Exit);
    }

    [Fact]
    public async Task DryRun_PrintsThePreviewAndWritesNothing()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        Assert.Equal(0, Run("", Issue(f, "D-1", "*.t.me")).Exit);
        ulong size = f.Host.Registry.Log.Size;

        (int exit, string output, _) = Run("", [.. Issue(f, "D-2", "A.T.ME", "new.example"), "--dry-run"]);
        Assert.Equal(0, exit);
        Assert.Contains("rkn/D-1 (*.t.me, wildcard)", output, StringComparison.Ordinal);
        Assert.Contains("would be accepted; nothing was written", output, StringComparison.Ordinal);

        (exit, output, _) = Run("", [.. Issue(f, "D-3", "co.uk"), "--dry-run"]);
        Assert.Equal(2, exit);
        Assert.Contains("REFUSED: is a public suffix", output, StringComparison.Ordinal);
        (exit, output, _) = Run("", [.. Issue(f, "D-3", "co.uk"), "--dry-run", "--override", "CO.UK.=the whole suffix, tested"]);
        Assert.Equal(0, exit);
        Assert.Contains("overridden: is a public suffix", output, StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);

        File.WriteAllText(Path.Combine(f.Directory, "targets.txt"), "x.example\ny.example\n");
        (exit, output, _) = Run("", [.. Issue(f, "D-4"), "--targets-file", Path.Combine(f.Directory, "targets.txt"), "--json", "--dry-run"]);
        Assert.Equal(0, exit);
        Assert.Equal(["x.example", "y.example"], JsonNode.Parse(output)!["targets"]!.AsArray().Select(t => t!["recorded"]!.GetValue<string>()));
        Assert.Equal(size, f.Host.Registry.Log.Size);
    }

    [Fact]
    public async Task AuthorityAddAndKeyCreate_OverHttpWithAnAdminKey()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        string registry = f.BaseAddress.AbsoluteUri;
        (int exit, string output, string error) = Run("", "authority", "add", "--registry", registry, "--key", f.AdminKey, "--id", "cac", "--name", "Cyberspace Administration of China", "--jurisdiction", "CN");
        Assert.True(exit == 0, error);
        Assert.StartsWith("authority cac registered at log index ", output, StringComparison.Ordinal);
        (exit, output, error) = Run("", "key", "create", "--registry", registry, "--key", f.AdminKey, "--role", "authority", "--authority", "cac");
        Assert.True(exit == 0, error);
        string cacKey = output.Trim();
        Assert.StartsWith("pal_", cacKey, StringComparison.Ordinal);

        f.RknKey = cacKey;
        (exit, output, _) = Run("", Issue(f, "CAC-1", "blocked.example"));
        Assert.Equal(0, exit);
        Assert.Equal("cac/CAC-1", output.Trim());

        Assert.Equal(4, Run("", "authority", "add", "--registry", registry, "--key", cacKey, "--id", "x", "--name", "X").Exit);
        Assert.Equal(2, Run("", "authority", "add", "--registry", registry, "--key", f.AdminKey, "--id", "cac", "--name", "again").Exit);
        Assert.Equal(1, Run("", "key", "create", "--registry", registry, "--role", "auditor").Exit);
        Assert.Equal(1, Run("", "key", "create", "--registry", registry, "--key", f.AdminKey, "--data", f.Directory, "--role", "auditor").Exit);
    }

    [Fact]
    public async Task OperatorPointProbeAndWitnessLog_OverHttpWhileTheRegistryRuns()
    {
        await using RegistryFixture f = await RegistryFixture.StartAsync();
        string registry = f.BaseAddress.AbsoluteUri;
        string keys = Path.Combine(f.Directory, "keys");
        (int exit, string output, string error) = Run("", "operator", "add", "--registry", registry, "--key", f.AdminKey, "--id", "isp-9", "--name", "An ISP", "--country", "RU");
        Assert.True(exit == 0, error);
        Assert.StartsWith("operator isp-9 registered at log index ", output, StringComparison.Ordinal);

        // The point's key is made where the command runs and only its public half goes to the registry.
        (exit, output, error) = Run("", "point", "create", "--registry", registry, "--key", f.AdminKey, "--operator", "isp-9", "--id", "dns-9", "--out", keys);
        Assert.True(exit == 0, error);
        string pointKeyFile = output.Trim();
        Assert.Equal(Path.Combine(keys, "point-dns-9.key"), pointKeyFile);
        using (NoteSigner pointKey = NoteSigner.ParsePrivateKey(File.ReadAllText(pointKeyFile)))
        {
            JsonNode isp = JsonNode.Parse(await f.Http.GetStringAsync("/v1/operators/isp-9", TestContext.Current.CancellationToken))!;
            Assert.Equal(pointKey.VerifierKey, isp["points"]!.AsArray().Single()!["key"]!.GetValue<string>());
        }

        (exit, output, error) = Run("", "probe", "register", "--registry", registry, "--key", f.AdminKey, "--id", "probe-9", "--asn", "AS64500", "--operator", "isp-9", "--out", keys);
        Assert.True(exit == 0, error);
        Assert.Equal(Path.Combine(keys, "probe-probe-9.key"), output.Trim());
        Assert.Contains("probe-9", await f.Http.GetStringAsync("/v1/probes", TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using NoteSigner other = NoteSigner.Generate("other.test/log");
        (exit, output, error) = Run("", "witness", "add-log", "--registry", registry, "--key", f.AdminKey, "--origin", "other.test/log", "--vkey", other.VerifierKey);
        Assert.True(exit == 0, error);
        Assert.Equal($"witnessing other.test/log with key {other.VerifierKey}", output.Trim());

        // A registration the registry refuses leaves no key file; a bad key or a wrong role is named.
        (exit, _, error) = Run("", "point", "create", "--registry", registry, "--key", f.AdminKey, "--operator", "nobody", "--id", "dns-10", "--out", keys);
        Assert.Equal(2, exit);
        Assert.Contains("nobody", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(keys, "point-dns-10.key")));
        Assert.Equal(2, Run("", "witness", "add-log", "--registry", registry, "--key", f.AdminKey, "--origin", "x.test/log", "--vkey", "not a key").Exit);
        Assert.Equal(4, Run("", "operator", "add", "--registry", registry, "--key", f.RknKey, "--id", "isp-10", "--name", "X").Exit);
        Assert.Equal(1, Run("", "probe", "register", "--id", "probe-10", "--asn", "AS1", "--out", keys).Exit);
    }

}
