using System.Globalization;
using System.Text;

namespace Palisade.Cli;

/// <summary>A plain-text table for people: a header, left-aligned columns padded to the widest cell (by text elements,
/// so that Cyrillic and accented names line up), two spaces between columns, no trailing blanks.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];

    /// <summary>Rows added so far, without the header.</summary>
    public int Count => _rows.Count - 1;

    /// <summary>Adds a row (null cells print as empty).</summary>
    public void Add(params string?[] cells) => _rows.Add([.. cells.Select(c => (c ?? "").ReplaceLineEndings(" "))]);

    /// <summary>Writes the table.</summary>
    public void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int columns = _rows.Max(r => r.Length);
        int[] widths = new int[columns];
        foreach (string[] row in _rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Width(row[i]));
            }
        }

        var line = new StringBuilder();
        foreach (string[] row in _rows)
        {
            line.Clear();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1)
                {
                    line.Append(' ', widths[i] - Width(row[i]) + 2);
                }
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    private static int Width(string text) => new StringInfo(text).LengthInTextElements;
}
