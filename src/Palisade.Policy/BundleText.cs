using System.Buffers;
using System.Globalization;
using System.Text;
using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The line format shared by bundles and deltas (docs/formats.md): UTF-8, LF line ends, a fixed sequence of
/// <c>name value</c> header lines, an empty line, then one entry per line as
/// <c>target TAB reference TAB category TAB effective TAB expires-or-"-"</c>.
/// </summary>
internal static class BundleText
{
    /// <summary>The longest line a reader accepts (a URL target of 8 KiB and a long decision number fit).</summary>
    public const int MaxLineLength = 16 * 1024;

    /// <summary>The most entries a reader accepts in one file.</summary>
    public const int MaxEntries = 50_000_000;

    public static void WriteHeader(Stream stream, string name, string value)
    {
        stream.Write(Encoding.UTF8.GetBytes(name + " " + value + "\n"));
    }

    public static void WriteHeader(Stream stream, string name, ulong value) => WriteHeader(stream, name, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The log prefix a version covers: <c>log-size</c>, <c>log-root</c>, <c>log-time</c> (bundles and deltas alike).</summary>
    public static void WriteLogPrefix(Stream stream, ulong logSize, byte[] logRoot, long logTimeMs)
    {
        WriteHeader(stream, "log-size", logSize);
        WriteHeader(stream, "log-root", Convert.ToBase64String(logRoot));
        WriteHeader(stream, "log-time", LogTime.Format(logTimeMs));
    }

    public static void WriteEntries(Stream stream, ReadOnlySpan<BundleEntry> entries, ReadOnlySpan<byte> prefix)
    {
        var tails = new Dictionary<PolicyOrder, byte[]>(ReferenceEqualityComparer.Instance);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        foreach (BundleEntry entry in entries)
        {
            if (!tails.TryGetValue(entry.Order, out byte[]? tail))
            {
                PolicyOrder order = entry.Order;
                tail = Encoding.UTF8.GetBytes("\t" + order.Reference + "\t" + order.Category + "\t" + LogTime.Format(order.EffectiveMs) + "\t"
                    + (order.ExpiresMs is { } expires ? LogTime.Format(expires) : "-") + "\n");
                tails.Add(order, tail);
            }

            buffer.Write(prefix);
            Span<byte> target = buffer.GetSpan(entry.Target.Length);
            int written = Encoding.UTF8.GetBytes(entry.Target, target);
            buffer.Advance(written);
            buffer.Write(tail);
            if (buffer.WrittenCount > 60 * 1024)
            {
                stream.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        stream.Write(buffer.WrittenSpan);
    }

    /// <summary>Reads lines of a bundle or delta, naming the line of every error.</summary>
    public ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _text;
        private readonly Dictionary<string, PolicyOrder>.AlternateLookup<ReadOnlySpan<char>> _orders;
        private char[] _chars;
        private int _position;

        public Reader(ReadOnlySpan<byte> text)
        {
            _text = text;
            _orders = new Dictionary<string, PolicyOrder>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
            _chars = new char[256];
            _position = 0;
            Line = 0;
        }

        /// <summary>The 1-based number of the line read last.</summary>
        public int Line { get; private set; }

        public readonly bool AtEnd => _position == _text.Length;

        public ReadOnlySpan<byte> ReadLine()
        {
            ReadOnlySpan<byte> rest = _text[_position..];
            int end = rest.IndexOf((byte)'\n');
            Line++;
            if (end < 0)
            {
                throw Error(rest.IsEmpty ? "the file ends early (truncated?)" : "the last line has no line end (truncated?)");
            }

            if (end > MaxLineLength)
            {
                throw Error($"the line is longer than {MaxLineLength} bytes");
            }

            _position += end + 1;
            return rest[..end];
        }

        public string ReadHeader(string name)
        {
            ReadOnlySpan<byte> line = ReadLine();
            if (line.Length <= name.Length || line[name.Length] != (byte)' ' || !Encoding.ASCII.GetString(line[..name.Length]).Equals(name, StringComparison.Ordinal))
            {
                throw Error($"expected the header '{name} …'");
            }

            try
            {
                return new UTF8Encoding(false, true).GetString(line[(name.Length + 1)..]);
            }
            catch (DecoderFallbackException)
            {
                throw Error($"the '{name}' header is not UTF-8");
            }
        }

        public ulong ReadNumber(string name, ulong max = ulong.MaxValue)
        {
            string text = ReadHeader(name);
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) && value <= max
                && value.ToString(CultureInfo.InvariantCulture) == text
                ? value
                : throw Error($"'{name}' is '{text}', not a number in canonical form");
        }

        public byte[] ReadHash(string name, bool hex)
        {
            string text = ReadHeader(name);
            try
            {
                byte[] hash = hex ? Convert.FromHexString(text) : Convert.FromBase64String(text);
                if (hash.Length == 32 && (hex ? Convert.ToHexStringLower(hash) : Convert.ToBase64String(hash)) == text)
                {
                    return hash;
                }
            }
            catch (FormatException)
            {
            }

            throw Error($"'{name}' is not a 32-byte hash in {(hex ? "lower-case hex" : "base64")}");
        }

        /// <summary>Reads what <see cref="WriteLogPrefix"/> writes.</summary>
        public (ulong LogSize, byte[] LogRoot, long LogTimeMs) ReadLogPrefix()
        {
            ulong logSize = ReadNumber("log-size");
            byte[] logRoot = ReadHash("log-root", hex: false);
            string time = ReadHeader("log-time");
            return LogTime.TryParse(time, out long ms) ? (logSize, logRoot, ms) : throw Error($"the log time '{time}' is not an RFC 3339 UTC time");
        }

        public void ReadBlank()
        {
            if (!ReadLine().IsEmpty)
            {
                throw Error("expected the empty line that ends the header");
            }
        }

        /// <summary>Reads one entry line after an optional fixed prefix (such as <c>+TAB</c>).</summary>
        /// <summary>UTF-8 that throws on invalid bytes; one instance for every line (an entry is read a million times).</summary>
        private static readonly UTF8Encoding StrictUtf8 = new(false, true);

        public BundleEntry ReadEntry(ReadOnlySpan<byte> prefix)
        {
            ReadOnlySpan<byte> line = ReadLine();
            if (!line.StartsWith(prefix))
            {
                throw Error($"expected an entry starting with '{Encoding.UTF8.GetString(prefix).Replace("\t", "\\t", StringComparison.Ordinal)}'");
            }

            line = line[prefix.Length..];
            int tab = line.IndexOf((byte)'\t');
            if (tab <= 0)
            {
                throw Error("an entry is target TAB reference TAB category TAB effective TAB expires");
            }

            ReadOnlySpan<byte> target = line[..tab];
            if (target.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0 || target.IndexOfAnyInRange((byte)0, (byte)' ') >= 0)
            {
                throw Error("a target is printable ASCII (its canonical form)");
            }

            return new BundleEntry(Encoding.ASCII.GetString(target), ReadOrder(line[(tab + 1)..]));
        }

        private PolicyOrder ReadOrder(ReadOnlySpan<byte> tail)
        {
            if (_chars.Length < tail.Length)
            {
                _chars = new char[Math.Max(tail.Length, _chars.Length * 2)];
            }

            int length;
            try
            {
                length = StrictUtf8.GetChars(tail, _chars);
            }
            catch (DecoderFallbackException)
            {
                throw Error("the entry is not UTF-8");
            }

            ReadOnlySpan<char> text = _chars.AsSpan(0, length);
            if (_orders.TryGetValue(text, out PolicyOrder? known))
            {
                return known;
            }

            Span<Range> fields = stackalloc Range[5];
            if (text.Split(fields, '\t') != 4)
            {
                throw Error("an entry is target TAB reference TAB category TAB effective TAB expires");
            }

            ReadOnlySpan<char> reference = text[fields[0]];
            if (!OrderReference.TryParse(reference, out _))
            {
                throw Error($"'{reference}' is not an order reference authority/decision");
            }

            if (!LogTime.TryParse(text[fields[2]], out long effective))
            {
                throw Error($"the effective time '{text[fields[2]]}' is not an RFC 3339 UTC time");
            }

            long? expires = null;
            if (text[fields[3]] is not "-")
            {
                expires = LogTime.TryParse(text[fields[3]], out long ms) ? ms : throw Error($"the expiry '{text[fields[3]]}' is not an RFC 3339 UTC time or '-'");
            }

            var order = new PolicyOrder(reference.ToString(), text[fields[1]].ToString(), effective, expires);
            _orders[text.ToString()] = order;
            return order;
        }

        public readonly FormatException Error(string message) => new(string.Create(CultureInfo.InvariantCulture, $"line {Line}: {message}"));
    }
}
