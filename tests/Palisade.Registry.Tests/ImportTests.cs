using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Palisade.Cli;

namespace Palisade.Registry.Tests;

/// <summary><c>palisade import</c> into a real registry: each decision of the Russian dump becomes one order.</summary>
public abstract class ImportTests(RegistryStoreKind store) : StoreTests(store)
{
    [Fact]
    public async Task ImportRknXml_IssuesOneOrderPerDecision_AndReimportFindsThemPresent()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        await using RegistryFixture f = await StartAsync();
        string dump = Path.Combine(f.Directory, "dump.xml");
        await File.WriteAllBytesAsync(dump, Encoding.GetEncoding(1251).GetBytes(Palisade.Formats.Tests.RknFixtures.RknXml), TestContext.Current.CancellationToken);
        string[] args = ["import", "--format", "rkn-xml", dump, "--registry", f.BaseAddress.AbsoluteUri, "--key", f.RknKey,
            "--legal-basis", "Federal Law 149-FZ, art. 15.1", "--category", "court-order", "--effective", "2018-04-16T00:00:00Z", "--rejected", Path.Combine(f.Directory, "rejected.tsv")];

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, PalisadeCli.Run(args, TextReader.Null, stdout, stderr));
        Assert.Contains("accepted 8 targets in 2 decisions; rejected 3; skipped", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("issued 2 orders", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("10.0.0.1/8", stderr.ToString(), StringComparison.Ordinal);
        string[] rejected = await File.ReadAllLinesAsync(Path.Combine(f.Directory, "rejected.tsv"), TestContext.Current.CancellationToken);
        Assert.Contains(rejected, l => l.Contains("\tskipped\t149.154.167.99\t", StringComparison.Ordinal));

        JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/rkn/27-31-2018%2F%D0%98%D0%B44412-18", TestContext.Current.CancellationToken));
        Assert.Equal("суд", order["issuingBody"]!.GetValue<string>());
        Assert.Equal("2018-04-13", order["decisionDate"]!.GetValue<string>());
        Assert.Equal(6, order["targetCount"]!.GetValue<long>());

        stdout = new StringWriter();
        Assert.Equal(2, PalisadeCli.Run(args, TextReader.Null, stdout, new StringWriter()));
        Assert.Contains("issued 0 orders", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("2 decisions were already in the registry", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportSync_AmendsPresentDecisions_IssuesNewOnes_RevokesWhatTheListDropped_DryRunChangesNothing()
    {
        await using RegistryFixture f = await StartAsync(o => o.PublishDelay = TimeSpan.FromSeconds(60));
        string list = Path.Combine(f.Directory, "register.csv");
        string[] Args(params string[] more) => ["import", "--format", "csv", list, "--registry", f.BaseAddress.AbsoluteUri, "--key", f.RknKey, "--authority", "rkn",
            "--legal-basis", "Federal Law 149-FZ, art. 15.1", "--category", "court-order", "--effective", "2026-11-23T00:00:00Z", "--sync", .. more];
        await File.WriteAllTextAsync(list, "decision,decisionDate,target\nD-1,2018-04-13,a.example\nD-1,2018-04-13,b.example\nD-2,2019-01-01,c.example\nD-3,2019-02-02,gone.example\n",
            TestContext.Current.CancellationToken);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(PalisadeCli.Run(Args(), TextReader.Null, stdout, stderr) == 0, stderr.ToString());
        Assert.Contains("issued 3, amended 0 (+0 −0 targets), revoked 0; 0 unchanged", stdout.ToString(), StringComparison.Ordinal);

        // An order of the authority that no list created is revoked too when the list does not hold it: the list is
        // the register of this authority.
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.RknKey, RegistryFixture.Order("D-4", "other.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.SendAsync(HttpMethod.Post, "/v1/orders", f.AgcomKey, RegistryFixture.Order("D-9", "agcom.example"))).StatusCode);

        // The updated register: D-1 loses a target and gains one, D-2 is unchanged, D-3 and D-4 are gone, D-5 is new.
        await File.WriteAllTextAsync(list, "decision,decisionDate,target\nD-1,2018-04-13,a.example\nD-1,2018-04-13,new.example\nD-2,2019-01-01,c.example\nD-5,2020-03-03,e.example\n",
            TestContext.Current.CancellationToken);
        ulong size = f.Host.Registry.Log.Size;
        stdout = new StringWriter();
        Assert.Equal(0, PalisadeCli.Run(Args("--dry-run"), TextReader.Null, stdout, new StringWriter()));
        string plan = stdout.ToString();
        Assert.Contains("would amend rkn/D-1: +1 −1 (+new.example, −b.example)", plan, StringComparison.Ordinal);
        Assert.Contains("would issue rkn/D-5 (1 targets)", plan, StringComparison.Ordinal);
        Assert.Contains("would revoke rkn/D-3 (no longer in the list)", plan, StringComparison.Ordinal);
        Assert.Contains("would revoke rkn/D-4 (no longer in the list)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("D-2", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("D-9", plan, StringComparison.Ordinal);
        Assert.Contains("dry run, nothing changed: would issue 1, amend 1 (+1 −1 targets), revoke 2; 1 unchanged", plan, StringComparison.Ordinal);
        Assert.Equal(size, f.Host.Registry.Log.Size);

        stdout = new StringWriter();
        Assert.Equal(0, PalisadeCli.Run(Args(), TextReader.Null, stdout, new StringWriter()));
        Assert.Contains("issued 1, amended 1 (+1 −1 targets), revoked 2; 1 unchanged", stdout.ToString(), StringComparison.Ordinal);
        async Task<string> Order(string reference)
        {
            JsonObject order = await f.JsonAsync(await f.Http.GetAsync("/v1/orders/" + reference, TestContext.Current.CancellationToken));
            return order["status"]!.GetValue<string>() + " " + string.Join(' ', order["targets"]!.AsArray().Select(t => t!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        }

        Assert.Equal("active a.example new.example", await Order("rkn/D-1"));
        Assert.Equal("revoked gone.example", await Order("rkn/D-3"));
        Assert.Equal("revoked other.example", await Order("rkn/D-4"));
        Assert.Equal("active e.example", await Order("rkn/D-5"));
        Assert.Equal("active agcom.example", await Order("agcom/D-9"));

        // Run again: nothing left to do.
        stdout = new StringWriter();
        Assert.Equal(0, PalisadeCli.Run(Args(), TextReader.Null, stdout, new StringWriter()));
        Assert.Contains("issued 0, amended 0 (+0 −0 targets), revoked 0; 3 unchanged", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, PalisadeCli.Run(["import", "--format", "csv", list, "--registry", f.BaseAddress.AbsoluteUri, "--key", f.RknKey, "--legal-basis", "L", "--category", "c", "--sync"],
            TextReader.Null, new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Import_DryRunAndUsageErrors_UseTheDocumentedExitCodes()
    {
        string list = Path.GetTempFileName();
        try
        {
            File.WriteAllText(list, "a.example\n*.b.example\n");
            var stdout = new StringWriter();
            Assert.Equal(0, PalisadeCli.Run(["import", "--format", "domains", list], TextReader.Null, stdout, new StringWriter()));
            Assert.Equal("accepted 2 targets in 1 decisions; rejected 0; skipped 0" + Environment.NewLine, stdout.ToString());
            Assert.Equal(1, PalisadeCli.Run(["import", "--format", "xls", list], TextReader.Null, new StringWriter(), new StringWriter()));
            Assert.Equal(1, PalisadeCli.Run(["import", "--format", "domains", list, "--registry", "http://127.0.0.1:1"], TextReader.Null, new StringWriter(), new StringWriter()));
            Assert.Equal(2, PalisadeCli.Run(["import", "--format", "csv", list], TextReader.Null, new StringWriter(), new StringWriter()));
        }
        finally
        {
            File.Delete(list);
        }
    }
}

/// <summary>ImportTests on SQLite.</summary>
public sealed class ImportTestsOnSqlite() : ImportTests(RegistryStoreKind.Sqlite);

/// <summary>ImportTests on PostgreSQL.</summary>
public sealed class ImportTestsOnPostgres() : ImportTests(RegistryStoreKind.Postgres);
