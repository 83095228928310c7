using System.Globalization;
using System.Text;
using Palisade.Log;
using Palisade.Core;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// An enforcement point's statement that it enforces a registry version, signed with the point's key as a signed note:
/// <c>palisade-ack/v1</c>, then <c>point ID</c>, <c>registry ORIGIN</c>, <c>version N</c>, <c>bundle SHA256HEX</c> and
/// <c>time UNIXSECONDS</c>, one per line.
/// </summary>
public sealed record Acknowledgement(string Point, string Registry, ulong Version, byte[] BundleSha256, long Time)
{
    /// <summary>The first line of the statement.</summary>
    public const string Header = "palisade-ack/v1";

    /// <summary>The most bytes a signed statement may have.</summary>
    public const int MaxLength = 4096;

    /// <summary>The note text.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"{Header}\npoint {Point}\nregistry {Registry}\nversion {Version}\nbundle {Convert.ToHexStringLower(BundleSha256)}\ntime {Time}\n");

    /// <summary>The statement signed with the point's key.</summary>
    public string Sign(NoteSigner key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignNote(ToText());
    }

    /// <summary>Reads a statement's text (its signature is checked by the caller, with the point's key).</summary>
    /// <exception cref="FormatException">It is not a statement; the message says which line.</exception>
    public static Acknowledgement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) > MaxLength)
        {
            throw new FormatException($"an acknowledgement has at most {MaxLength} bytes");
        }

        string[] lines = text.Split('\n');
        if (lines.Length != 7 || lines[6].Length != 0 || lines[0] != Header)
        {
            throw new FormatException($"an acknowledgement is the line '{Header}' and five lines: point, registry, version, bundle, time");
        }

        string Value(int line, string name) => lines[line].StartsWith(name + " ", StringComparison.Ordinal) && lines[line].Length > name.Length + 1
            ? lines[line][(name.Length + 1)..]
            : throw new FormatException($"line {line + 1} is not '{name} …'");

        string point = Value(1, "point");
        string registry = Value(2, "registry");
        if (!ulong.TryParse(Value(3, "version"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong version) || version == 0)
        {
            throw new FormatException("the version is not a positive decimal number");
        }

        string hex = Value(4, "bundle");
        if (hex.Length != 64 || hex.AsSpan().IndexOfAnyExcept("0123456789abcdef") >= 0)
        {
            throw new FormatException("the bundle is not a lowercase hex SHA-256");
        }

        if (!long.TryParse(Value(5, "time"), NumberStyles.None, CultureInfo.InvariantCulture, out long time))
        {
            throw new FormatException("the time is not decimal POSIX seconds");
        }

        return new Acknowledgement(point, registry, version, Convert.FromHexString(hex), time);
    }
}
