using System.Buffers;
using System.Text;

namespace Palisade.Core.Url;

/// <summary>UTF-8 percent-encoding and percent-decoding (WHATWG URL Standard §1.3).</summary>
internal static class PercentEncoding
{
    private static readonly SearchValues<char> s_fragment = SearchValues.Create(" \"<>`");
    private static readonly SearchValues<char> s_query = SearchValues.Create(" \"#<>");
    private static readonly SearchValues<char> s_specialQuery = SearchValues.Create(" \"#<>'");
    private static readonly SearchValues<char> s_path = SearchValues.Create(" \"#<>?^`{}");
    private static readonly SearchValues<char> s_userinfo = SearchValues.Create(" \"#<>?^`{}/:;=@[\\]|");
    private static readonly SearchValues<char> s_component = SearchValues.Create(" \"#<>?^`{}/:;=@[\\]|$%&+,");
    private static readonly SearchValues<char> s_form = SearchValues.Create(" \"#<>?^`{}/:;=@[\\]|$%&+,!'()~");

    /// <summary>True when the ASCII code point <paramref name="c"/> is in <paramref name="set"/>.</summary>
    public static bool InSet(int c, PercentEncodeSet set)
    {
        if (c < 0x20 || c > 0x7E)
        {
            return true;
        }

        char ch = (char)c;
        return set switch
        {
            PercentEncodeSet.C0Control => false,
            PercentEncodeSet.Fragment => s_fragment.Contains(ch),
            PercentEncodeSet.Query => s_query.Contains(ch),
            PercentEncodeSet.SpecialQuery => s_specialQuery.Contains(ch),
            PercentEncodeSet.Path => s_path.Contains(ch),
            PercentEncodeSet.Userinfo => s_userinfo.Contains(ch),
            PercentEncodeSet.Component => s_component.Contains(ch),
            _ => s_form.Contains(ch),
        };
    }

    /// <summary>Appends <paramref name="codePoint"/>, UTF-8 percent-encoded when it is in <paramref name="set"/>.</summary>
    public static void Append(StringBuilder output, int codePoint, PercentEncodeSet set)
    {
        if (!InSet(codePoint, set))
        {
            output.Append((char)codePoint);
            return;
        }

        Span<byte> bytes = stackalloc byte[4];
        int written = new Rune(codePoint).EncodeToUtf8(bytes);
        for (int i = 0; i < written; i++)
        {
            AppendByte(output, bytes[i]);
        }
    }

    public static void AppendByte(StringBuilder output, byte b)
    {
        output.Append('%');
        output.Append(HexUpper(b >> 4));
        output.Append(HexUpper(b & 0xF));
    }

    /// <summary>Percent-decodes <paramref name="input"/> (its UTF-8 bytes) into bytes (§1.3 "percent-decode").</summary>
    public static byte[] Decode(string input)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(input);
        var output = new byte[bytes.Length];
        int length = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b == '%' && i + 2 < bytes.Length && IsHex(bytes[i + 1]) && IsHex(bytes[i + 2]))
            {
                output[length++] = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
                i += 2;
            }
            else
            {
                output[length++] = b;
            }
        }

        return output.AsSpan(0, length).ToArray();
    }

    public static bool IsHex(int c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    public static int HexValue(int c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
