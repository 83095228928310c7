namespace Palisade.Formats;

/// <summary>The names of the list formats as the command line, its help and the docs spell them (<c>rpz</c>,
/// <c>rkn-xml</c>), taken from <see cref="ExportFormat"/> and <see cref="ImportFormat"/> so that a new format is named
/// everywhere at once.</summary>
public static class FormatNames
{
    /// <summary>Every export format's name, in the enum's order.</summary>
    public static IReadOnlyList<string> Export { get; } = [.. Enum.GetValues<ExportFormat>().Select(Of)];

    /// <summary>Every import format's name, in the enum's order.</summary>
    public static IReadOnlyList<string> Import { get; } = [.. Enum.GetValues<ImportFormat>().Select(Of)];

    /// <summary>An export format's name: its enum name in lower case.</summary>
    public static string Of(ExportFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>An import format's name: its enum name in lower case, words joined by '-' (<c>RknXml</c> is <c>rkn-xml</c>).</summary>
    public static string Of(ImportFormat format)
    {
        string name = format.ToString();
        var text = new System.Text.StringBuilder(name.Length + 2);
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsAsciiLetterUpper(name[i]))
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>The names as a phrase: <c>a, b or c</c>.</summary>
    public static string Phrase(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Count < 2 ? string.Join("", names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
    }
}
