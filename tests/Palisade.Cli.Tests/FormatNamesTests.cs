using Palisade.Formats;

namespace Palisade.Cli.Tests;

/// <summary>The format names come from the enums: each parses back to its format, and the help lists all of them.</summary>
public sealed class FormatNamesTests
{
    [Fact]
    public void Names_ParseBackAndAreListedInTheHelp()
    {
        Assert.Equal(["rpz", "hosts", "dnsmasq", "nftables", "abp", "csv", "delisting"], FormatNames.Export);
        Assert.Equal(["hosts", "domains", "rpz", "csv", "rkn-xml", "rkn-csv"], FormatNames.Import);
        foreach (ExportFormat format in Enum.GetValues<ExportFormat>())
        {
            Assert.True(PolicyExporter.TryParseFormat(FormatNames.Of(format), out ExportFormat parsed));
            Assert.Equal(format, parsed);
        }

        foreach (ImportFormat format in Enum.GetValues<ImportFormat>())
        {
            Assert.True(ListImporter.TryParseFormat(FormatNames.Of(format), out ImportFormat parsed));
            Assert.Equal(format, parsed);
        }

        foreach (string verb in new[] { "export", "import" })
        {
            using var stdout = new StringWriter();
            Assert.Equal(0, PalisadeCli.Run([verb, "--help"], TextReader.Null, stdout, TextWriter.Null));
            Assert.Contains(FormatNames.Phrase(verb == "export" ? FormatNames.Export : FormatNames.Import), stdout.ToString().ReplaceLineEndings(" "), StringComparison.Ordinal);
        }
    }
}
