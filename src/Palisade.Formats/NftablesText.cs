using System.Globalization;
using System.Text;

namespace Palisade.Formats;

/// <summary>
/// nftables text, written in one place: the <c>inet</c> table with the interval sets <see cref="IPv4Set"/> and
/// <see cref="IPv6Set"/>, as a whole file (<c>palisade export --format nftables</c>, for <c>nft -f</c>) and as the
/// declaration and replacement transactions the firewall point runs. Elements are given as nft spells them: an
/// address, <c>ADDRESS/LENGTH</c>, or <c>FIRST-LAST</c>.
/// </summary>
public static class NftablesText
{
    /// <summary>The table an export declares, and the firewall point's default.</summary>
    public const string DefaultTable = "palisade";

    /// <summary>The IPv4 set's name.</summary>
    public const string IPv4Set = "blocked_v4";

    /// <summary>The IPv6 set's name.</summary>
    public const string IPv6Set = "blocked_v6";

    /// <summary>Longest table name accepted.</summary>
    public const int MaxTableNameLength = 64;

    /// <summary>Elements per <c>add element</c> command (all in the same transaction).</summary>
    private const int ElementsPerCommand = 1024;

    /// <summary>True when <paramref name="name"/> is a table name Palisade writes: a letter, then letters, digits or '_',
    /// at most <see cref="MaxTableNameLength"/> characters.</summary>
    public static bool IsValidTableName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxTableNameLength && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Writes table <see cref="DefaultTable"/> with both sets holding <paramref name="v4"/> and
    /// <paramref name="v6"/>; the sets auto-merge, so overlapping and adjacent prefixes load (nft otherwise refuses them as
    /// conflicting intervals).</summary>
    public static void WriteFile(TextWriter writer, IReadOnlyList<string> v4, IReadOnlyList<string> v6)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write($"table inet {DefaultTable} {{\n");
        WriteSet(writer, IPv4Set, "ipv4_addr", v4);
        WriteSet(writer, IPv6Set, "ipv6_addr", v6);
        writer.Write("}\n");
    }

    /// <summary>The transaction that creates <paramref name="table"/> and its two sets when missing (only declarations:
    /// what they hold stays).</summary>
    public static string Declaration(string table)
    {
        var script = new StringBuilder();
        Declare(script, table);
        return script.ToString();
    }

    /// <summary>The transaction that replaces the sets' contents with <paramref name="v4"/> and <paramref name="v6"/>.</summary>
    /// <param name="table">The table.</param>
    /// <param name="v4">The IPv4 elements.</param>
    /// <param name="v6">The IPv6 elements.</param>
    /// <param name="comment">A line to begin the script with (as a comment), such as the registry version.</param>
    public static string Replacement(string table, IEnumerable<string> v4, IEnumerable<string> v6, string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var script = new StringBuilder();
        script.Append("# ").Append(comment.ReplaceLineEndings(" ")).Append('\n');
        Declare(script, table);
        script.Append(CultureInfo.InvariantCulture, $"flush set inet {table} {IPv4Set}\nflush set inet {table} {IPv6Set}\n");
        AddElements(script, table, IPv4Set, v4);
        AddElements(script, table, IPv6Set, v6);
        return script.ToString();
    }

    private static void WriteSet(TextWriter writer, string name, string type, IReadOnlyList<string> elements)
    {
        writer.Write($"\tset {name} {{\n\t\ttype {type}\n\t\tflags interval\n\t\tauto-merge\n");
        if (elements.Count > 0)
        {
            writer.Write("\t\telements = {\n");
            for (int i = 0; i < elements.Count; i++)
            {
                writer.Write(i + 1 < elements.Count ? $"\t\t\t{elements[i]},\n" : $"\t\t\t{elements[i]}\n");
            }

            writer.Write("\t\t}\n");
        }

        writer.Write("\t}\n");
    }

    private static void Declare(StringBuilder script, string table)
    {
        if (!IsValidTableName(table))
        {
            throw new ArgumentException($"'{table}' is not a table name: a letter, then letters, digits or '_', at most {MaxTableNameLength} characters", nameof(table));
        }

        script.Append(CultureInfo.InvariantCulture,
            $"table inet {table} {{\n\tset {IPv4Set} {{ type ipv4_addr; flags interval; }}\n\tset {IPv6Set} {{ type ipv6_addr; flags interval; }}\n}}\n");
    }

    private static void AddElements(StringBuilder script, string table, string set, IEnumerable<string> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        int inLine = 0;
        foreach (string element in elements)
        {
            if (inLine == 0)
            {
                script.Append(CultureInfo.InvariantCulture, $"add element inet {table} {set} {{ ");
            }
            else
            {
                script.Append(", ");
            }

            script.Append(element);
            if (++inLine == ElementsPerCommand)
            {
                script.Append(" }\n");
                inLine = 0;
            }
        }

        if (inLine > 0)
        {
            script.Append(" }\n");
        }
    }
}
