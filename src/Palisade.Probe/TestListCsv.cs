using System.Text;

namespace Palisade.Probe;

/// <summary>
/// Reads a control list in the citizenlab test-lists CSV format (<c>url,category_code,category_description,date_added,
/// source,notes</c>, RFC 4180 quoting, a header row first). The file is the operator's or a researcher's input: each
/// row and the whole list are bounded.
/// </summary>
public static class TestListCsv
{
    /// <summary>Longest row accepted, in characters.</summary>
    public const int MaxRowLength = 8192;

    /// <summary>Most rows read from one list.</summary>
    public const int MaxRows = 1_000_000;

    private static readonly string[] Header = ["url", "category_code", "category_description", "date_added", "source", "notes"];

    /// <summary>The rows: URL and category code, in file order.</summary>
    /// <exception cref="FormatException">The header is not the test-lists header, or a row is malformed, too long, or
    /// beyond <see cref="MaxRows"/>; the message names the line.</exception>
    public static List<(string Url, string Category)> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<(string, string)>();
        int line = 0;
        bool header = true;
        while (ReadRow(reader, ref line) is { } fields)
        {
            if (header)
            {
                if (fields.Count < 2 || !fields.Take(Header.Length).SequenceEqual(Header.Take(fields.Count)))
                {
                    throw new FormatException($"line 1: expected the test-lists header '{string.Join(',', Header)}'");
                }

                header = false;
                continue;
            }

            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue;
            }

            if (fields.Count < 2 || fields[0].Length == 0)
            {
                throw new FormatException($"line {line}: a row needs at least a url and a category_code");
            }

            if (rows.Count == MaxRows)
            {
                throw new FormatException($"line {line}: the list has more than {MaxRows} rows");
            }

            rows.Add((fields[0], fields[1]));
        }

        if (header)
        {
            throw new FormatException("the list is empty: expected the test-lists header");
        }

        return rows;
    }

    /// <summary>One row's fields; null at the end. A quoted field may hold commas, doubled quotes and line breaks.</summary>
    private static List<string>? ReadRow(TextReader reader, ref int line)
    {
        int c = reader.Read();
        if (c < 0)
        {
            return null;
        }

        line++;
        int startLine = line;
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        int length = 0;
        while (true)
        {
            if (++length > MaxRowLength)
            {
                throw new FormatException($"line {startLine}: the row is longer than {MaxRowLength} characters");
            }

            if (c < 0)
            {
                if (quoted)
                {
                    throw new FormatException($"line {startLine}: a quoted field is not closed before the end of the file");
                }

                fields.Add(field.ToString());
                return fields;
            }

            char ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    field.Append(ch);
                }
            }
            else if (ch == '"' && field.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                wasQuoted = false;
            }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }

                fields.Add(field.ToString());
                return fields;
            }
            else if (wasQuoted)
            {
                throw new FormatException($"line {startLine}: text after a closing quote");
            }
            else
            {
                field.Append(ch);
            }

            c = reader.Read();
        }
    }
}
