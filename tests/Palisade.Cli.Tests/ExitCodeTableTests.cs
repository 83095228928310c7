using System.Reflection;
using System.Text.RegularExpressions;

namespace Palisade.Cli.Tests;

/// <summary>docs/cli.md's exit-code table is the one in code (<see cref="ExitCodes.Table"/>), every code the CLI
/// defines is in it, and <c>palisade --help</c> lists each.</summary>
public sealed partial class ExitCodeTableTests
{
    [Fact]
    public void DocsTable_EqualsTheCodesTable()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cli.md"));
        string section = docs[docs.IndexOf("## Exit codes", StringComparison.Ordinal)..];
        section = section[..(section.IndexOf("\n\n", StringComparison.Ordinal) is int end and > 0 ? end : section.Length)];
        List<(int, string)> rows = [.. TableRow().Matches(section).Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value))];
        Assert.Equal(ExitCodes.Table, rows);
    }

    [Fact]
    public void EveryCode_IsInTheTable_AndInTheHelp()
    {
        int[] defined = [.. typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int)).Select(f => (int)f.GetRawConstantValue()!)];
        Assert.Equal(defined.Order(), ExitCodes.Table.Select(t => t.Code).Order());

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.Equal(0, PalisadeCli.Run(["--help"], TextReader.Null, stdout, stderr));
        foreach (int code in defined)
        {
            Assert.Matches($@"(Exit codes: |; ){code} ", stdout.ToString().ReplaceLineEndings(" "));
        }
    }

    private static string RepositoryRoot() => DocSnippet.RepositoryRoot();

    [GeneratedRegex(@"^\| (\d+) \| (.*) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
