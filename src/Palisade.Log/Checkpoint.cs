using System.Globalization;
using System.Text;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// A C2SP tlog-checkpoint body: the origin line, the tree size in decimal, the root hash in base64, then optional
/// extension lines; every line ends in a newline. It is signed as the text of a signed note.
/// </summary>
/// <param name="Origin">The log's origin, a schema-less URL that names it uniquely.</param>
/// <param name="Size">The number of entries in the tree.</param>
/// <param name="RootHash">The RFC 9162 root hash of the tree.</param>
public sealed record Checkpoint(string Origin, ulong Size, byte[] RootHash)
{
    /// <summary>Extension lines after the root hash (none in checkpoints this log writes).</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [];

    /// <summary>The checkpoint body, the text a signed note signs.</summary>
    public string ToText()
    {
        var builder = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (string extension in Extensions)
        {
            builder.Append(extension).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Parses a checkpoint body (the text of a verified note).</summary>
    /// <exception cref="FormatException">The text is not a checkpoint; the message says which line is wrong.</exception>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[^1] != '\n')
        {
            throw new FormatException("a checkpoint ends in a newline");
        }

        string[] lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new FormatException("a checkpoint has an origin, a tree size and a root hash line");
        }

        if (lines[0].Length == 0)
        {
            throw new FormatException("the checkpoint's origin line is empty");
        }

        if (lines[1].Length == 0 || (lines[1].Length > 1 && lines[1][0] == '0') ||
            !ulong.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong size))
        {
            throw new FormatException($"the checkpoint's tree size '{lines[1]}' is not a decimal number without leading zeros");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the checkpoint's root hash is not base64");
        }

        if (root.Length != MerkleHash.Size)
        {
            throw new FormatException($"the checkpoint's root hash has {root.Length} bytes, not {MerkleHash.Size}");
        }

        for (int i = 3; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                throw new FormatException($"checkpoint line {i + 1} is empty");
            }
        }

        return new Checkpoint(lines[0], size, root) { Extensions = lines[3..] };
    }
}
