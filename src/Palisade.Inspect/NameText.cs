namespace Palisade.Inspect;

/// <summary>How a name read from traffic is written: as it appears, the way tshark shows it.</summary>
internal static class NameText
{
    /// <summary>A name's bytes as text: UTF-8, ASCII letters lower-cased, no IDNA conversion; a control character
    /// (U+0001–U+001F, U+007F) written as tshark writes it, C's escape where there is one (<c>\r</c>) and else a backslash
    /// and three octal digits (<c>\004</c>), so that a name that hides characters still reads as distinct and nothing
    /// reaches a terminal raw. Bytes that are not UTF-8
    /// are shown as tshark shows them: a lead byte with the continuation bytes that follow it (up to the count it
    /// announces) becomes one U+FFFD when they do not make a character, and any other stray byte one U+FFFD.</summary>
    /// <param name="bytes">The name's bytes.</param>
    /// <param name="nulEnds">Whether a NUL ends the name (an HTTP header value, which tshark reads as a C string) rather
    /// than being written <c>\000</c> (a DNS label, which may hold any byte).</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static string Lower(ReadOnlySpan<byte> bytes, bool nulEnds = false)
    {
        // Nearly every name is ASCII: lower-cased straight into the string, with the vectorised ASCII routines.
        if (System.Text.Ascii.IsValid(bytes) && bytes.IndexOfAnyInRange((byte)0, (byte)0x1F) < 0 && !bytes.Contains((byte)0x7F))
        {
            return string.Create(bytes.Length, bytes, static (chars, source) => System.Text.Ascii.ToLower(source, chars, out _));
        }

        var text = new System.Text.StringBuilder(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            byte b = bytes[i];
            if (b == 0 && nulEnds)
            {
                break;
            }

            if (b is < 0x20 or 0x7F)
            {
                // C's escapes where C has one (\r, \n, \t …), else a backslash and three octal digits, as tshark writes them.
                char named = b switch { 0x07 => 'a', 0x08 => 'b', 0x09 => 't', 0x0A => 'n', 0x0B => 'v', 0x0C => 'f', 0x0D => 'r', _ => '\0' };
                text.Append('\\');
                if (named != '\0')
                {
                    text.Append(named);
                }
                else
                {
                    text.Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
                }

                i++;
                continue;
            }

            if (b < 0x80)
            {
                text.Append((char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b));
                i++;
                continue;
            }

            // The count of continuation bytes a lead byte announces, as in the original (up to 6-byte) UTF-8.
            int need = b switch
            {
                >= 0xC0 and <= 0xDF => 1,
                >= 0xE0 and <= 0xEF => 2,
                >= 0xF0 and <= 0xF7 => 3,
                >= 0xF8 and <= 0xFB => 4,
                >= 0xFC and <= 0xFD => 5,
                _ => 0,
            };
            int end = i + 1;
            while (end < bytes.Length && end - i - 1 < need && (bytes[end] & 0xC0) == 0x80)
            {
                end++;
            }

            if (need > 0 && end - i - 1 == need && System.Text.Rune.DecodeFromUtf8(bytes[i..end], out System.Text.Rune rune, out int used) == System.Buffers.OperationStatus.Done && used == end - i)
            {
                text.Append(rune.ToString());
            }
            else
            {
                text.Append('\uFFFD');
            }

            i = need == 0 ? i + 1 : end;
        }

        return text.ToString();
    }
}
