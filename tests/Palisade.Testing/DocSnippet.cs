namespace Palisade.Testing;

/// <summary>The snippets of <c>docs/*.md</c> as an operator copies them: tests run them verbatim (ports, addresses and
/// keys substituted), so a doc cannot drift from what works.</summary>
public static class DocSnippet
{
    /// <summary>The checkout's root (where <c>Palisade.slnx</c> is).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Palisade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests do not run inside a checkout (no Palisade.slnx above " + AppContext.BaseDirectory + ")");
    }

    /// <summary>The text of the first fenced block after <paramref name="marker"/> in <c>docs/<paramref name="file"/></c>.</summary>
    public static string After(string file, string marker)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", file)).Replace("\r\n", "\n", StringComparison.Ordinal);
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/{file} no longer says '{marker}'");
        int open = text.IndexOf("```", at, StringComparison.Ordinal);
        int start = text.IndexOf('\n', open) + 1;
        int end = text.IndexOf("\n```", start, StringComparison.Ordinal);
        Assert.True(open >= 0 && end > start, $"docs/{file} has no code block after '{marker}'");
        return text[start..end] + "\n";
    }
}
