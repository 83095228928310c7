using System.Buffers;
using System.Globalization;
using System.Text;
using Palisade.Core.Idna;

namespace Palisade.Core.Url;

/// <summary>The host parser of the WHATWG URL Standard §3.5, with its IPv4 and IPv6 parsers and serialisers.</summary>
internal static class UrlHostParser
{
    /// <summary>§3.2 forbidden host code points.</summary>
    private static readonly SearchValues<char> s_forbiddenHost = SearchValues.Create("\0\t\n\r #/:<>?@[\\]^|");

    /// <summary>§3.2 forbidden domain code points: forbidden host code points, C0 controls, % and DEL.</summary>
    private static readonly SearchValues<char> s_forbiddenDomain = SearchValues.Create(
        "\0\t\n\r #/:<>?@[\\]^|%\u007F\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>Parses <paramref name="input"/> as a host; returns the serialised host, or null on failure with <paramref name="error"/> set.</summary>
    public static string? Parse(string input, bool isOpaque, out string error)
    {
        error = string.Empty;
        if (input.StartsWith('['))
        {
            if (!input.EndsWith(']') || input.Length < 2)
            {
                error = "IPv6 address is missing its closing bracket";
                return null;
            }

            Span<ushort> pieces = stackalloc ushort[8];
            if (!TryParseIPv6(input.AsSpan(1, input.Length - 2), pieces, out error))
            {
                return null;
            }

            return "[" + SerializeIPv6(pieces) + "]";
        }

        if (isOpaque)
        {
            if (input.AsSpan().IndexOfAny(s_forbiddenHost) >= 0)
            {
                error = "opaque host contains a forbidden host code point";
                return null;
            }

            var opaque = new StringBuilder(input.Length);
            for (int i = 0; i < input.Length;)
            {
                Rune.DecodeFromUtf16(input.AsSpan(i), out var rune, out int consumed);
                PercentEncoding.Append(opaque, rune.Value, PercentEncodeSet.C0Control);
                i += consumed;
            }

            return opaque.ToString();
        }

        string domain = new UTF8Encoding(false, false).GetString(PercentEncoding.Decode(input));
        var idnaError = Uts46.ToAscii(domain, Uts46Options.UrlHost, out string? ascii, domain);
        if (idnaError != IdnaError.None || string.IsNullOrEmpty(ascii))
        {
            error = idnaError == IdnaError.None ? "host is empty" : "domain to ASCII failed: " + IdnaErrors.Describe(idnaError);
            return null;
        }

        if (ascii.AsSpan().IndexOfAny(s_forbiddenDomain) >= 0)
        {
            error = "host contains a forbidden domain code point";
            return null;
        }

        if (EndsInNumber(ascii))
        {
            if (!TryParseIPv4(ascii, out uint address, out error))
            {
                return null;
            }

            return SerializeIPv4(address);
        }

        return ascii;
    }

    /// <summary>§3.5 "ends in a number".</summary>
    public static bool EndsInNumber(ReadOnlySpan<char> input)
    {
        if (input.EndsWith('.'))
        {
            if (input.Length == 1)
            {
                return false;
            }

            input = input[..^1];
        }

        int dot = input.LastIndexOf('.');
        var last = dot < 0 ? input : input[(dot + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (!last.ContainsAnyExcept("0123456789"))
        {
            return true;
        }

        return TryParseIPv4Number(last, out _);
    }

    /// <summary>§3.5 IPv4 parser.</summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> input, out uint address, out string error)
    {
        address = 0;
        error = string.Empty;
        if (input.EndsWith('.') && input.Length > 1)
        {
            input = input[..^1];
        }

        Span<ulong> numbers = stackalloc ulong[4];
        int count = 0;
        foreach (var range in input.Split('.'))
        {
            if (count == 4)
            {
                error = "IPv4 address has more than four parts";
                return false;
            }

            if (!TryParseIPv4Number(input[range], out numbers[count]))
            {
                error = "IPv4 address part is not a number";
                return false;
            }

            count++;
        }

        for (int i = 0; i < count - 1; i++)
        {
            if (numbers[i] > 255)
            {
                error = "IPv4 address part is greater than 255";
                return false;
            }
        }

        if (numbers[count - 1] >= 1UL << (8 * (5 - count)))
        {
            error = "IPv4 address is out of range";
            return false;
        }

        ulong value = numbers[count - 1];
        for (int i = 0; i < count - 1; i++)
        {
            value += numbers[i] << (8 * (3 - i));
        }

        address = (uint)value;
        return true;
    }

    /// <summary>§3.5 IPv4 number parser; values above 2^32 saturate (they fail the range checks anyway).</summary>
    private static bool TryParseIPv4Number(ReadOnlySpan<char> input, out ulong value)
    {
        value = 0;
        if (input.IsEmpty)
        {
            return false;
        }

        int radix = 10;
        if (input.Length >= 2 && input[0] == '0' && (input[1] | 0x20) == 'x')
        {
            input = input[2..];
            radix = 16;
        }
        else if (input.Length >= 2 && input[0] == '0')
        {
            input = input[1..];
            radix = 8;
        }

        foreach (char c in input)
        {
            int digit = radix switch
            {
                16 when PercentEncoding.IsHex(c) => PercentEncoding.HexValue(c),
                10 when c is >= '0' and <= '9' => c - '0',
                8 when c is >= '0' and <= '7' => c - '0',
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            value = Math.Min((value * (ulong)radix) + (ulong)digit, 1UL << 40);
        }

        return true;
    }

    public static string SerializeIPv4(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");

    /// <summary>§3.5 IPv6 parser.</summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> input, Span<ushort> address, out string error)
    {
        error = "invalid IPv6 address";
        address.Clear();
        int pieceIndex = 0;
        int compress = -1;
        int pointer = 0;
        if (At(input, pointer) == ':')
        {
            if (At(input, pointer + 1) != ':')
            {
                return false;
            }

            pointer += 2;
            pieceIndex++;
            compress = pieceIndex;
        }

        while (At(input, pointer) != -1)
        {
            if (pieceIndex == 8)
            {
                return false;
            }

            if (At(input, pointer) == ':')
            {
                if (compress != -1)
                {
                    return false;
                }

                pointer++;
                pieceIndex++;
                compress = pieceIndex;
                continue;
            }

            int value = 0, length = 0;
            while (length < 4 && PercentEncoding.IsHex(At(input, pointer)))
            {
                value = (value * 0x10) + PercentEncoding.HexValue(At(input, pointer));
                pointer++;
                length++;
            }

            if (At(input, pointer) == '.')
            {
                if (length == 0)
                {
                    return false;
                }

                pointer -= length;
                if (pieceIndex > 6)
                {
                    return false;
                }

                int numbersSeen = 0;
                while (At(input, pointer) != -1)
                {
                    int ipv4Piece = -1;
                    if (numbersSeen > 0)
                    {
                        if (At(input, pointer) == '.' && numbersSeen < 4)
                        {
                            pointer++;
                        }
                        else
                        {
                            return false;
                        }
                    }

                    if (At(input, pointer) is < '0' or > '9')
                    {
                        return false;
                    }

                    while (At(input, pointer) is >= '0' and <= '9')
                    {
                        int number = At(input, pointer) - '0';
                        if (ipv4Piece == -1)
                        {
                            ipv4Piece = number;
                        }
                        else if (ipv4Piece == 0)
                        {
                            return false;
                        }
                        else
                        {
                            ipv4Piece = (ipv4Piece * 10) + number;
                        }

                        if (ipv4Piece > 255)
                        {
                            return false;
                        }

                        pointer++;
                    }

                    address[pieceIndex] = (ushort)((address[pieceIndex] * 0x100) + ipv4Piece);
                    numbersSeen++;
                    if (numbersSeen is 2 or 4)
                    {
                        pieceIndex++;
                    }
                }

                if (numbersSeen != 4)
                {
                    return false;
                }

                break;
            }
            else if (At(input, pointer) == ':')
            {
                pointer++;
                if (At(input, pointer) == -1)
                {
                    return false;
                }
            }
            else if (At(input, pointer) != -1)
            {
                return false;
            }

            address[pieceIndex] = (ushort)value;
            pieceIndex++;
        }

        if (compress != -1)
        {
            int swaps = pieceIndex - compress;
            pieceIndex = 7;
            while (pieceIndex != 0 && swaps > 0)
            {
                (address[pieceIndex], address[compress + swaps - 1]) = (address[compress + swaps - 1], address[pieceIndex]);
                pieceIndex--;
                swaps--;
            }
        }
        else if (pieceIndex != 8)
        {
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static int At(ReadOnlySpan<char> input, int p) => p < input.Length ? input[p] : -1;

    /// <summary>§3.6 IPv6 serializer: lower-case hex, the first longest run of two or more zero pieces compressed.</summary>
    public static string SerializeIPv6(ReadOnlySpan<ushort> address)
    {
        int compress = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (address[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < 8 && address[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                bestLength = i - start;
                compress = start;
            }
        }

        var output = new StringBuilder(39);
        bool ignore0 = false;
        for (int i = 0; i < 8; i++)
        {
            if (ignore0 && address[i] == 0)
            {
                continue;
            }

            ignore0 = false;
            if (compress == i)
            {
                output.Append(i == 0 ? "::" : ":");
                ignore0 = true;
                continue;
            }

            output.Append(address[i].ToString("x", CultureInfo.InvariantCulture));
            if (i != 7)
            {
                output.Append(':');
            }
        }

        return output.ToString();
    }
}
