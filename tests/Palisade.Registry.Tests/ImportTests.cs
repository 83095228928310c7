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
        await File.WriteAllBytesAsync(dump, Encoding.GetEncoding(1251).GetBytes(Core.Tests.Formats.RknFixtures.RknXml), TestContext.Current.CancellationToken);
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
