using System.Buffers;
using System.Text;

namespace Palisade.Core.Idna;

/// <summary>Punycode (RFC 3492) for one label, without the <c>xn--</c> prefix.</summary>
internal static class Punycode
{
    // RFC 3492 §5 parameter values for Punycode.
    private const int Base = 36;
    private const int TMin = 1;
    private const int TMax = 26;
    private const int Skew = 38;
    private const int Damp = 700;
    private const int InitialBias = 72;
    private const int InitialN = 0x80;
    private const char Delimiter = '-';

    /// <summary>The longest label we decode: far above any DNS label, so that hostile input stays bounded.</summary>
    public const int MaxInputLength = 1024;

    /// <summary>Decodes <paramref name="input"/> (ASCII) into code points, or returns false (RFC 3492 §6.2).</summary>
    public static bool TryDecode(ReadOnlySpan<char> input, List<int> output)
    {
        output.Clear();
        if (input.Length > MaxInputLength)
        {
            return false;
        }

        // Every code point takes at least one input character, so the input's length bounds the output.
        int[] buffer = ArrayPool<int>.Shared.Rent(Math.Max(1, input.Length));
        try
        {
            if (!TryDecode(input, buffer, out int count))
            {
                return false;
            }

            output.AddRange(buffer.AsSpan(0, count));
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>Decodes into <paramref name="output"/> (at least <paramref name="input"/>'s length) without allocating.</summary>
    public static bool TryDecode(ReadOnlySpan<char> input, Span<int> output, out int count)
    {
        count = 0;
        if (input.Length > MaxInputLength || output.Length < input.Length)
        {
            return false;
        }

        int basicEnd = input.LastIndexOf(Delimiter);
        if (basicEnd < 0)
        {
            basicEnd = 0;
        }

        for (int j = 0; j < basicEnd; j++)
        {
            char c = input[j];
            if (c >= 0x80)
            {
                return false;
            }

            output[count++] = c;
        }

        int n = InitialN;
        int bias = InitialBias;
        long i = 0;
        int position = basicEnd > 0 ? basicEnd + 1 : 0;
        while (position < input.Length)
        {
            long oldI = i;
            long w = 1;
            for (int k = Base; ; k += Base)
            {
                if (position >= input.Length)
                {
                    return false;
                }

                int digit = DigitValue(input[position++]);
                if (digit < 0)
                {
                    return false;
                }

                i += digit * w;
                if (i > int.MaxValue)
                {
                    return false;
                }

                int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                if (digit < t)
                {
                    break;
                }

                w *= Base - t;
                if (w > int.MaxValue)
                {
                    return false;
                }
            }

            int length = count + 1;
            bias = Adapt((int)(i - oldI), length, oldI == 0);
            long next = n + (i / length);
            if (next > 0x10FFFF)
            {
                return false;
            }

            n = (int)next;
            i %= length;
            if (n is >= 0xD800 and <= 0xDFFF)
            {
                return false;
            }

            output[(int)i..count].CopyTo(output[((int)i + 1)..]);
            output[(int)i] = n;
            count++;
            i++;
        }

        return true;
    }

    /// <summary>Encodes the code points of <paramref name="input"/> (RFC 3492 §6.3) and appends the result.</summary>
    public static bool TryEncode(ReadOnlySpan<int> input, StringBuilder output)
    {
        if (input.Length > MaxInputLength)
        {
            return false;
        }

        // An encoding is never longer than a few characters per code point (a delta takes at most 7 digits).
        int capacity = (input.Length * 8) + 1;
        char[] buffer = ArrayPool<char>.Shared.Rent(capacity);
        try
        {
            if (!TryEncode(input, buffer, out int written))
            {
                return false;
            }

            output.Append(buffer, 0, written);
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Encodes into <paramref name="output"/> without allocating; false when it does not fit or overflows.</summary>
    public static bool TryEncode(ReadOnlySpan<int> input, Span<char> output, out int written)
    {
        written = 0;
        if (input.Length > MaxInputLength)
        {
            return false;
        }

        int basicCount = 0;
        foreach (int cp in input)
        {
            if (cp < 0x80)
            {
                if (!Put(output, ref written, (char)cp))
                {
                    return false;
                }

                basicCount++;
            }
        }

        int handled = basicCount;
        if (basicCount > 0 && !Put(output, ref written, Delimiter))
        {
            return false;
        }

        int n = InitialN;
        int bias = InitialBias;
        long delta = 0;
        while (handled < input.Length)
        {
            int m = int.MaxValue;
            foreach (int cp in input)
            {
                if (cp >= n && cp < m)
                {
                    m = cp;
                }
            }

            delta += (long)(m - n) * (handled + 1);
            if (delta > int.MaxValue)
            {
                return false;
            }

            n = m;
            foreach (int cp in input)
            {
                if (cp < n && ++delta > int.MaxValue)
                {
                    return false;
                }

                if (cp == n)
                {
                    long q = delta;
                    for (int k = Base; ; k += Base)
                    {
                        int t = k <= bias ? TMin : k >= bias + TMax ? TMax : k - bias;
                        if (q < t)
                        {
                            break;
                        }

                        if (!Put(output, ref written, DigitChar((int)(t + ((q - t) % (Base - t))))))
                        {
                            return false;
                        }

                        q = (q - t) / (Base - t);
                    }

                    if (!Put(output, ref written, DigitChar((int)q)))
                    {
                        return false;
                    }

                    bias = Adapt((int)delta, handled + 1, handled == basicCount);
                    delta = 0;
                    handled++;
                }
            }

            delta++;
            n++;
        }

        return true;
    }

    private static bool Put(Span<char> output, ref int written, char c)
    {
        if (written >= output.Length)
        {
            return false;
        }

        output[written++] = c;
        return true;
    }

    private static int Adapt(int delta, int numPoints, bool firstTime)
    {
        delta = firstTime ? delta / Damp : delta / 2;
        delta += delta / numPoints;
        int k = 0;
        while (delta > ((Base - TMin) * TMax) / 2)
        {
            delta /= Base - TMin;
            k += Base;
        }

        return k + (((Base - TMin + 1) * delta) / (delta + Skew));
    }

    private static int DigitValue(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= 'A' and <= 'Z' => c - 'A',
        >= '0' and <= '9' => c - '0' + 26,
        _ => -1,
    };

    private static char DigitChar(int d) => (char)(d < 26 ? 'a' + d : '0' + d - 26);
}
