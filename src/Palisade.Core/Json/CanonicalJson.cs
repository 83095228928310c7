using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Palisade.Core.Json;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme for the values Palisade writes: object members sorted by the UTF-16 code
/// units of their names (§3.2.3), no whitespace, strings with only the escapes §3.2.2.2 requires, and numbers that are
/// integers of magnitude below 2^53, which ECMAScript serialises as plain decimal digits (§3.2.2.3). Anyone can
/// recompute the bytes of a log entry, and therefore its leaf hash, from its parsed content.
/// </summary>
public static class CanonicalJson
{
    private const long MaxSafeInteger = (1L << 53) - 1;

    /// <summary>Serialises a JSON value canonically as UTF-8.</summary>
    /// <exception cref="ArgumentException">The value holds a number that is not a safe integer, or a lone surrogate.</exception>
    public static byte[] Serialize(JsonNode? value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Re-serialises JSON text canonically (used to check that an entry is in canonical form).</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> json) => Serialize(JsonNode.Parse(json));

    private static void Write(JsonNode? value, ArrayBufferWriter<byte> output)
    {
        switch (value)
        {
            case null:
                Append(output, "null"u8);
                break;
            case JsonObject obj:
                WriteObject(obj, output);
                break;
            case JsonArray array:
                output.Write("["u8);
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Write(","u8);
                    }

                    Write(array[i], output);
                }

                output.Write("]"u8);
                break;
            case JsonValue scalar:
                WriteScalar(scalar, output);
                break;
            default:
                throw new ArgumentException($"unsupported JSON node {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteObject(JsonObject obj, ArrayBufferWriter<byte> output)
    {
        var names = new string[obj.Count];
        int n = 0;
        foreach (KeyValuePair<string, JsonNode?> member in obj)
        {
            names[n++] = member.Key;
        }

        // Ordinal string comparison orders by UTF-16 code units, as RFC 8785 §3.2.3 requires.
        Array.Sort(names, StringComparer.Ordinal);
        output.Write("{"u8);
        for (int i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }

            WriteString(names[i], output);
            output.Write(":"u8);
            Write(obj[names[i]], output);
        }

        output.Write("}"u8);
    }

    private static void WriteScalar(JsonValue scalar, ArrayBufferWriter<byte> output)
    {
        switch (scalar.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(scalar.GetValue<string>(), output);
                break;
            case JsonValueKind.True:
                Append(output, "true"u8);
                break;
            case JsonValueKind.False:
                Append(output, "false"u8);
                break;
            case JsonValueKind.Null:
                Append(output, "null"u8);
                break;
            case JsonValueKind.Number:
                long number = ReadInteger(scalar);
                Append(output, Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)));
                break;
            default:
                throw new ArgumentException($"unsupported JSON value kind {scalar.GetValueKind()}");
        }
    }

    private static long ReadInteger(JsonValue scalar)
    {
        long value;
        if (scalar.TryGetValue(out long l))
        {
            value = l;
        }
        else if (scalar.TryGetValue(out int i))
        {
            value = i;
        }
        else if (scalar.TryGetValue(out ulong u) && u <= MaxSafeInteger)
        {
            value = (long)u;
        }
        else if (scalar.TryGetValue(out JsonElement e) && e.TryGetInt64(out long parsed))
        {
            value = parsed;
        }
        else
        {
            throw new ArgumentException("canonical Palisade JSON holds integers only");
        }

        return value is > MaxSafeInteger or < -MaxSafeInteger
            ? throw new ArgumentException($"the integer {value} is outside the range JSON numbers hold exactly (±2^53)")
            : value;
    }

    private static void WriteString(string s, ArrayBufferWriter<byte> output)
    {
        output.Write("\""u8);
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => null,
            };
            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    throw new ArgumentException($"the string holds a lone surrogate at position {i}");
                }

                i++;
                continue;
            }

            if (escape is null)
            {
                continue;
            }

            AppendUtf8(output, s.AsSpan(start, i - start));
            AppendUtf8(output, escape);
            start = i + 1;
        }

        AppendUtf8(output, s.AsSpan(start));
        output.Write("\""u8);
    }

    private static void AppendUtf8(ArrayBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        Span<byte> target = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        int written = Encoding.UTF8.GetBytes(chars, target);
        output.Advance(written);
    }

    private static void Append(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);
}
