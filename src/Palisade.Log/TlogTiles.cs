using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Path arithmetic and encodings of C2SP tlog-tiles (c2sp.org/tlog-tiles): tiles of 256 hashes at each level of eight
/// tree levels, paths <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c> and <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>, and entry bundles of
/// big-endian uint16 length-prefixed entries.
/// </summary>
public static class TlogTiles
{
    /// <summary>Hashes (or entries) in a full tile.</summary>
    public const int TileWidth = 256;

    /// <summary>Tree levels covered by one tile level.</summary>
    public const int TileHeight = 8;

    /// <summary>The highest tile level the specification allows.</summary>
    public const int MaxLevel = 63;

    /// <summary>The most bytes a hash tile holds: 256 SHA-256 hashes.</summary>
    public const int MaxHashTileBytes = TileWidth * MerkleHash.Size;

    /// <summary>The most bytes an entry bundle holds: 256 entries, each a 2-byte length and at most 65,535 bytes.</summary>
    public const int MaxEntryBundleBytes = TileWidth * (2 + ushort.MaxValue);

    /// <summary>Encodes a tile index as zero-padded three-digit path elements, all but the last prefixed with 'x'
    /// (1234067 is <c>x001/x234/067</c>).</summary>
    public static string FormatIndex(ulong index)
    {
        string last = (index % 1000).ToString("D3", CultureInfo.InvariantCulture);
        index /= 1000;
        var builder = new StringBuilder();
        var groups = new Stack<ulong>();
        while (index > 0)
        {
            groups.Push(index % 1000);
            index /= 1000;
        }

        foreach (ulong group in groups)
        {
            builder.Append('x').Append(group.ToString("D3", CultureInfo.InvariantCulture)).Append('/');
        }

        return builder.Append(last).ToString();
    }

    /// <summary>The path of a hash tile below the log prefix; <paramref name="width"/> 256 names the full tile.</summary>
    public static string TilePath(int level, ulong index, int width = TileWidth) =>
        string.Create(CultureInfo.InvariantCulture, $"tile/{level}/{FormatIndex(index)}") + PartialSuffix(width);

    /// <summary>The path of an entry bundle below the log prefix; <paramref name="width"/> 256 names the full bundle.</summary>
    public static string EntriesPath(ulong index, int width = TileWidth) => "tile/entries/" + FormatIndex(index) + PartialSuffix(width);

    /// <summary>The width of the rightmost tile at <paramref name="level"/> for a tree of <paramref name="size"/>
    /// entries, 0 when that level has no partial tile.</summary>
    public static int PartialWidth(int level, ulong size) => (int)((size >> (TileHeight * level)) % TileWidth);

    /// <summary>Parses the part of a tile path after <c>tile/</c>: a level (or <c>entries</c>, returned as level -1), the
    /// index and the width (256 for a full tile).</summary>
    public static bool TryParsePath(string path, out int level, out ulong index, out int width)
    {
        ArgumentNullException.ThrowIfNull(path);
        level = 0;
        index = 0;
        width = TileWidth;
        string[] parts = path.Split('/');
        if (parts.Length < 2)
        {
            return false;
        }

        if (parts[0] == "entries")
        {
            level = -1;
        }
        else if (!TryParseDecimal(parts[0], MaxLevel, out int parsedLevel))
        {
            return false;
        }
        else
        {
            level = parsedLevel;
        }

        int end = parts.Length;
        if (parts.Length >= 3 && parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            // ".p/<W>" follows the last index element: "067.p/12".
            if (!TryParseDecimal(parts[^1], TileWidth - 1, out width) || width == 0)
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            end = parts.Length - 1;
        }

        for (int i = 1; i < end; i++)
        {
            string element = parts[i];
            bool last = i == end - 1;
            if (!last)
            {
                if (element.Length != 4 || element[0] != 'x')
                {
                    return false;
                }

                element = element[1..];
            }

            if (element.Length != 3 || !element.All(char.IsAsciiDigit))
            {
                return false;
            }

            if (index > (ulong.MaxValue / 1000) - 1)
            {
                return false;
            }

            index = (index * 1000) + ulong.Parse(element, CultureInfo.InvariantCulture);
        }

        return true;
    }

    /// <summary>Encodes entries as an entry bundle.</summary>
    public static byte[] EncodeBundle(IEnumerable<byte[]> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (byte[] entry in entries)
        {
            if (entry.Length > ushort.MaxValue)
            {
                throw new ArgumentException($"an entry of {entry.Length} bytes does not fit a uint16 length");
            }

            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)entry.Length);
            stream.Write(length);
            stream.Write(entry);
        }

        return stream.ToArray();
    }

    /// <summary>Decodes an entry bundle.</summary>
    /// <exception cref="FormatException">The bundle is truncated or holds more than 256 entries.</exception>
    public static List<byte[]> DecodeBundle(ReadOnlySpan<byte> bundle)
    {
        var entries = new List<byte[]>();
        while (!bundle.IsEmpty)
        {
            if (entries.Count == TileWidth)
            {
                throw new FormatException($"the entry bundle holds more than {TileWidth} entries");
            }

            if (bundle.Length < 2)
            {
                throw new FormatException($"the entry bundle is truncated in the length of entry {entries.Count}");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(bundle);
            if (bundle.Length < 2 + length)
            {
                throw new FormatException($"the entry bundle is truncated in entry {entries.Count} ({length} bytes announced, {bundle.Length - 2} present)");
            }

            entries.Add(bundle.Slice(2, length).ToArray());
            bundle = bundle[(2 + length)..];
        }

        return entries;
    }

    private static string PartialSuffix(int width) =>
        width is > 0 and < TileWidth ? ".p/" + width.ToString(CultureInfo.InvariantCulture)
        : width == TileWidth ? string.Empty
        : throw new ArgumentOutOfRangeException(nameof(width), "a tile is 1 to 256 wide");

    private static bool TryParseDecimal(string s, int max, out int value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 3 || (s.Length > 1 && s[0] == '0') || !s.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = int.Parse(s, CultureInfo.InvariantCulture);
        return value <= max;
    }
}
