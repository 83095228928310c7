using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Palisade.Core.Idna;

/// <summary>
/// Unicode UTS #46 (IDNA Compatibility Processing) ToASCII, Nontransitional, implemented over the generated
/// table in <see cref="IdnaData"/>. Section numbers refer to UTS #46 revision 33 and RFC 5891-5893.
/// </summary>
internal static class Uts46
{
    /// <summary>Inputs longer than this are refused before any work: no DNS name comes close.</summary>
    public const int MaxInputLength = 4096;

    private static readonly SearchValues<char> s_upperAscii = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>Runs ToASCII; on success <paramref name="result"/> holds the ASCII form (a fresh string, or <paramref name="original"/> when unchanged).</summary>
    public static IdnaError ToAscii(ReadOnlySpan<char> input, Uts46Options options, out string? result, string? original = null)
    {
        result = null;
        if (input.Length > MaxInputLength)
        {
            return IdnaError.NameTooLong;
        }

        bool ascii = Ascii.IsValid(input);
        if (ascii && !options.AsciiFastPath && HasAceLabel(input) && ToAsciiAce(input, options) is { } aceError)
        {
            if (aceError != IdnaError.None)
            {
                return aceError;
            }

            result = input.IndexOfAny(s_upperAscii) < 0 ? original ?? input.ToString() : LowerAscii(input);
            return IdnaError.None;
        }

        if (ascii && (options.AsciiFastPath || !HasAceLabel(input)))
        {
            // UTS #46 §4 on ASCII without "xn--" labels maps A-Z to a-z and changes nothing else.
            var error = ValidateAscii(input, options);
            if (error != IdnaError.None)
            {
                return error;
            }

            if (input.IndexOfAny(s_upperAscii) < 0)
            {
                result = original ?? input.ToString();
            }
            else
            {
                result = LowerAscii(input);
            }

            return IdnaError.None;
        }

        return ToAsciiSlow(input, options, out result);
    }

    private static string LowerAscii(ReadOnlySpan<char> input)
    {
        char[]? rented = null;
        Span<char> buffer = input.Length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(input.Length));
        try
        {
            Ascii.ToLower(input, buffer, out int written);
            return new string(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// ToASCII of an ASCII name with A-labels, without allocating: each A-label is decoded on the stack and validated as
    /// the general path would (§4.1), and must re-encode to itself, so the name is already its own ToASCII result. Null
    /// sends the name down the general path: a label longer than a DNS label, an A-label that is not in canonical
    /// Punycode, or a Bidi domain name (whose rule covers every label).
    /// </summary>
    private static IdnaError? ToAsciiAce(ReadOnlySpan<char> input, Uts46Options options)
    {
        const int MaxLabel = 63;
        Span<int> decoded = stackalloc int[MaxLabel];
        Span<char> lower = stackalloc char[MaxLabel];
        Span<char> encoded = stackalloc char[MaxLabel];

        // Pass 1, as §4 step 4 does for every label before validating any: decode the A-labels.
        foreach (Range range in input.Split('.'))
        {
            ReadOnlySpan<char> label = input[range];
            if (!IsAceLabel(label))
            {
                continue;
            }

            if (label.Length > MaxLabel)
            {
                return null;
            }

            Ascii.ToLower(label, lower, out int length);
            ReadOnlySpan<char> body = lower[4..length];
            if (!Punycode.TryDecode(body, decoded, out int count) || count == 0 || AllAscii(decoded[..count]))
            {
                return IdnaError.InvalidPunycode;
            }

            if (HasRtl(decoded[..count]) || !Punycode.TryEncode(decoded[..count], encoded, out int written) || !encoded[..written].SequenceEqual(body))
            {
                return null;
            }
        }

        // Pass 2: validate every label in order (§4.1).
        foreach (Range range in input.Split('.'))
        {
            ReadOnlySpan<char> label = input[range];
            IdnaError error = IdnaError.None;
            if (IsAceLabel(label))
            {
                Ascii.ToLower(label, lower, out int length);
                Punycode.TryDecode(lower[4..length], decoded, out int count);
                error = ValidateLabel(decoded[..count], fromAce: true, bidiDomain: false, options);
            }
            else if (!label.IsEmpty && options.UseStd3AsciiRules && !IsStd3Label(label))
            {
                error = IdnaError.Std3;
            }
            else if (!label.IsEmpty && options.CheckHyphens && !HyphensOk(label))
            {
                error = IdnaError.Hyphen;
            }

            if (error != IdnaError.None)
            {
                return error;
            }
        }

        return options.VerifyDnsLength ? VerifyDnsLength(input) : IdnaError.None;
    }

    private static bool IsAceLabel(ReadOnlySpan<char> label) => label.Length >= 4 && label[..4].Equals("xn--", StringComparison.OrdinalIgnoreCase);

    private static bool HasAceLabel(ReadOnlySpan<char> input)
    {
        foreach (var range in input.Split('.'))
        {
            var label = input[range];
            if (label.Length >= 4 && label[..4].Equals("xn--", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static IdnaError ValidateAscii(ReadOnlySpan<char> input, Uts46Options options)
    {
        if (!options.UseStd3AsciiRules && !options.CheckHyphens && !options.VerifyDnsLength)
        {
            return IdnaError.None;
        }

        foreach (var range in input.Split('.'))
        {
            var label = input[range];
            if (label.IsEmpty)
            {
                continue;
            }

            if (options.UseStd3AsciiRules && !IsStd3Label(label))
            {
                return IdnaError.Std3;
            }

            if (options.CheckHyphens && !HyphensOk(label))
            {
                return IdnaError.Hyphen;
            }
        }

        return options.VerifyDnsLength ? VerifyDnsLength(input) : IdnaError.None;
    }

    private static IdnaError ToAsciiSlow(ReadOnlySpan<char> input, Uts46Options options, out string? result)
    {
        result = null;

        // §4 step 1: map.
        var mapped = new StringBuilder(input.Length + 8);
        for (int i = 0; i < input.Length;)
        {
            if (Rune.DecodeFromUtf16(input[i..], out var rune, out int consumed) != OperationStatus.Done)
            {
                return IdnaError.InvalidUtf16;
            }

            i += consumed;
            switch (IdnaData.GetStatus(rune.Value, out var mapping))
            {
                case IdnaStatus.Ignored:
                    break;
                case IdnaStatus.Mapped:
                    mapped.Append(mapping);
                    break;
                default:
                    // Valid, deviation (kept: Nontransitional) and disallowed (flagged in §4.1 step 7).
                    AppendRune(mapped, rune.Value);
                    break;
            }
        }

        // §4 step 2: normalize to NFC.
        string normalized = mapped.ToString().Normalize(NormalizationForm.FormC);

        // §4 step 3: break into labels; step 4: convert and validate each.
        var labels = new List<List<int>>();
        var fromAce = new List<bool>();
        var error = IdnaError.None;
        foreach (var range in normalized.AsSpan().Split('.'))
        {
            var label = normalized.AsSpan(range);
            var codePoints = new List<int>(label.Length);
            bool ace = label.Length >= 4 && label[..4].Equals("xn--", StringComparison.OrdinalIgnoreCase);
            if (ace)
            {
                if (!Ascii.IsValid(label) || !Punycode.TryDecode(label[4..], codePoints) || codePoints.Count == 0 || AllAscii(CollectionsMarshal.AsSpan(codePoints)))
                {
                    error = First(error, IdnaError.InvalidPunycode);
                }
            }
            else
            {
                AppendCodePoints(label, codePoints);
            }

            labels.Add(codePoints);
            fromAce.Add(ace);
        }

        if (error != IdnaError.None)
        {
            return error;
        }

        bool bidiDomain = options.CheckBidi && IsBidiDomain(labels);
        for (int i = 0; i < labels.Count; i++)
        {
            error = ValidateLabel(CollectionsMarshal.AsSpan(labels[i]), fromAce[i], bidiDomain, options);
            if (error != IdnaError.None)
            {
                return error;
            }
        }

        // ToASCII step 2: Punycode-encode every label that is not ASCII.
        var output = new StringBuilder(normalized.Length + 16);
        for (int i = 0; i < labels.Count; i++)
        {
            if (i > 0)
            {
                output.Append('.');
            }

            var label = labels[i];
            if (AllAscii(CollectionsMarshal.AsSpan(label)))
            {
                foreach (int cp in label)
                {
                    output.Append((char)cp);
                }
            }
            else
            {
                output.Append("xn--");
                if (!Punycode.TryEncode(CollectionsMarshal.AsSpan(label), output))
                {
                    return IdnaError.InvalidPunycode;
                }
            }
        }

        string ascii = output.ToString();
        if (options.VerifyDnsLength)
        {
            error = VerifyDnsLength(ascii);
            if (error != IdnaError.None)
            {
                return error;
            }
        }

        result = ascii;
        return IdnaError.None;
    }

    /// <summary>UTS #46 §4.1 validity criteria for one label.</summary>
    private static IdnaError ValidateLabel(ReadOnlySpan<int> label, bool fromAce, bool bidiDomain, Uts46Options options)
    {
        if (label.Length == 0)
        {
            return IdnaError.None;
        }

        // 1. NFC. Labels split from the normalised string already are; decoded ACE labels need the check.
        if (fromAce && !IsNfc(label))
        {
            return IdnaError.NotNormalized;
        }

        // 2-4. Hyphens; without CheckHyphens a label must still not begin with "xn--".
        if (options.CheckHyphens)
        {
            if ((label.Length >= 4 && label[2] == '-' && label[3] == '-') || label[0] == '-' || label[^1] == '-')
            {
                return IdnaError.Hyphen;
            }
        }
        else if (label.Length >= 4 && label[0] == 'x' && label[1] == 'n' && label[2] == '-' && label[3] == '-')
        {
            return IdnaError.NestedAcePrefix;
        }

        // 6. No leading combining mark.
        if (IdnaData.IsCombiningMark(label[0]))
        {
            return IdnaError.LeadingCombiningMark;
        }

        // 5, 7. No FULL STOP; every code point valid or deviation; STD3 for ASCII when asked.
        foreach (int cp in label)
        {
            var status = IdnaData.GetStatus(cp, out _);
            if (cp == '.' || (status != IdnaStatus.Valid && status != IdnaStatus.Deviation))
            {
                return IdnaError.DisallowedCodePoint;
            }

            if (options.UseStd3AsciiRules && cp < 0x80 && !IsLdh((char)cp))
            {
                return IdnaError.Std3;
            }
        }

        // 8. ContextJ (RFC 5892 Appendix A.1, A.2).
        if (options.CheckJoiners && !JoinersOk(label))
        {
            return IdnaError.ContextJ;
        }

        // 9. The Bidi Rule (RFC 5893 §2) for every label of a Bidi domain name.
        if (bidiDomain && !BidiOk(label))
        {
            return IdnaError.Bidi;
        }

        return IdnaError.None;
    }

    private static bool JoinersOk(ReadOnlySpan<int> label)
    {
        for (int i = 0; i < label.Length; i++)
        {
            int cp = label[i];
            if (cp != 0x200C && cp != 0x200D)
            {
                continue;
            }

            // Both joiners: allowed right after a virama (Canonical_Combining_Class = 9).
            if (i > 0 && IdnaData.IsVirama(label[i - 1]))
            {
                continue;
            }

            if (cp == 0x200D)
            {
                return false;
            }

            // ZWNJ: (Joining_Type:{L,D})(Joining_Type:T)* ZWNJ (Joining_Type:T)*(Joining_Type:{R,D}).
            int before = i - 1;
            while (before >= 0 && IdnaData.IsJoiningTransparent(label[before]))
            {
                before--;
            }

            int after = i + 1;
            while (after < label.Length && IdnaData.IsJoiningTransparent(label[after]))
            {
                after++;
            }

            if (before < 0 || after >= label.Length || !IdnaData.IsJoiningLeftOrDual(label[before]) || !IdnaData.IsJoiningRightOrDual(label[after]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool BidiOk(ReadOnlySpan<int> label)
    {
        // Rule 1: the first character is L (left-to-right) or R/AL (right-to-left).
        bool rtl;
        if (IdnaData.IsBidiLeftToRight(label[0]))
        {
            rtl = false;
        }
        else if (IdnaData.IsBidiRightToLeft(label[0]))
        {
            rtl = true;
        }
        else
        {
            return false;
        }

        int last = label.Length - 1;
        while (last >= 0 && IdnaData.IsBidiNonSpacingMark(label[last]))
        {
            last--;
        }

        if (rtl)
        {
            // Rules 2-4.
            bool en = false, an = false;
            foreach (int cp in label)
            {
                if (!IdnaData.IsBidiRule2Allowed(cp))
                {
                    return false;
                }

                en |= IdnaData.IsBidiEuropeanNumber(cp);
                an |= IdnaData.IsBidiArabicNumber(cp);
            }

            return last >= 0 && IdnaData.IsBidiRule3End(label[last]) && !(en && an);
        }

        // Rules 5-6.
        foreach (int cp in label)
        {
            if (!IdnaData.IsBidiRule5Allowed(cp))
            {
                return false;
            }
        }

        return last >= 0 && IdnaData.IsBidiRule6End(label[last]);
    }

    private static bool IsBidiDomain(List<List<int>> labels)
    {
        foreach (var label in labels)
        {
            if (HasRtl(CollectionsMarshal.AsSpan(label)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a label has a right-to-left code point (RFC 5893 §1.4: it makes the name a Bidi domain name).</summary>
    private static bool HasRtl(ReadOnlySpan<int> label)
    {
        foreach (int cp in label)
        {
            if (IdnaData.IsBidiDomainRtl(cp))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 1035 §2.3.4 limits as UTS #46 VerifyDnsLength states them: 1-63 per label, 1-253 in all (no root dot).</summary>
    internal static IdnaError VerifyDnsLength(ReadOnlySpan<char> ascii)
    {
        if (ascii.IsEmpty)
        {
            return IdnaError.Empty;
        }

        if (ascii.Length > 253)
        {
            return IdnaError.NameTooLong;
        }

        foreach (var range in ascii.Split('.'))
        {
            int length = range.End.GetOffset(ascii.Length) - range.Start.GetOffset(ascii.Length);
            if (length == 0)
            {
                return IdnaError.EmptyLabel;
            }

            if (length > 63)
            {
                return IdnaError.LabelTooLong;
            }
        }

        return IdnaError.None;
    }

    private static bool IsStd3Label(ReadOnlySpan<char> label)
    {
        foreach (char c in label)
        {
            if (!IsLdh(char.ToLowerInvariant(c)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HyphensOk(ReadOnlySpan<char> label) =>
        label[0] != '-' && label[^1] != '-' && !(label.Length >= 4 && label[2] == '-' && label[3] == '-');

    private static bool IsLdh(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-';

    private static bool AllAscii(ReadOnlySpan<int> codePoints)
    {
        foreach (int cp in codePoints)
        {
            if (cp >= 0x80)
            {
                return false;
            }
        }

        return true;
    }

    private static void AppendCodePoints(ReadOnlySpan<char> text, List<int> codePoints)
    {
        for (int i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out int consumed);
            codePoints.Add(rune.Value);
            i += consumed;
        }
    }

    /// <summary>
    /// Whether code points are in NFC. UAX #15 §9's quick check answers at once when no code point can compose with or
    /// reorder around its neighbour: no combining mark (every non-zero combining class is a mark) and no conjoining
    /// Hangul vowel or trailing consonant (the letters with NFC_QC=Maybe). Code points with NFC_QC=No are never
    /// *valid* in UTS #46 (its mapping is NFKC-based), so a label holding one fails §4.1 step 7 whatever this says.
    /// Otherwise the runtime's normaliser answers, which allocates.
    /// </summary>
    private static bool IsNfc(ReadOnlySpan<int> codePoints)
    {
        bool quickYes = true;
        foreach (int cp in codePoints)
        {
            quickYes &= !IdnaData.IsCombiningMark(cp) && cp is not ((>= 0x1161 and <= 0x1175) or (>= 0x11A8 and <= 0x11C2));
        }

        if (quickYes)
        {
            return true;
        }

        char[]? rented = null;
        Span<char> text = codePoints.Length <= 128 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(codePoints.Length * 2));
        try
        {
            int length = 0;
            foreach (int cp in codePoints)
            {
                length += new Rune(cp).EncodeToUtf16(text[length..]);
            }

            return text[..length].IsNormalized(NormalizationForm.FormC);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static void AppendRune(StringBuilder sb, int codePoint)
    {
        Span<char> units = stackalloc char[2];
        int written = new Rune(codePoint).EncodeToUtf16(units);
        sb.Append(units[..written]);
    }

    private static IdnaError First(IdnaError current, IdnaError next) => current == IdnaError.None ? next : current;
}
