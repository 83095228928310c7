using System.Globalization;
using System.Text;
using Palisade.Core;

namespace Palisade.Registry;

/// <summary>How the registry checks and spells the fields of requests and log entries: roles, authority ids, times,
/// required text and one-line names.</summary>
internal static class Fields
{
    internal static bool TryParseRole(string text, out Role role)
    {
        switch (text)
        {
            case "admin": role = Role.Admin; return true;
            case "authority": role = Role.Authority; return true;
            case "operator": role = Role.Operator; return true;
            case "auditor": role = Role.Auditor; return true;
            default: role = default; return false;
        }
    }

    internal static string RoleName(Role role) => role switch
    {
        Role.Admin => "admin",
        Role.Authority => "authority",
        Role.Operator => "operator",
        _ => "auditor",
    };

    internal static bool IsAuthorityId(string id) =>
        id.Length is > 0 and <= 64 && id[0] != '-' && id.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-") < 0;

    /// <summary>Times in log entries: UTC, RFC 3339, milliseconds only when present.</summary>
    internal static string FormatTime(DateTimeOffset time) => LogTime.Format(time);

    internal static string Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw RegistryProblem.Invalid(field, $"'{field}' is required");
        }

        if (value.Length > maxLength)
        {
            throw RegistryProblem.Invalid(field, $"'{field}' is longer than {maxLength} characters");
        }

        foreach (char c in value)
        {
            if (char.IsControl(c) && c != '\n')
            {
                throw RegistryProblem.Invalid(field, $"'{field}' holds the control character U+{(int)c:X4}");
            }
        }

        return value;
    }

    /// <summary>
    /// The Default_Ignorable_Code_Point ranges of Unicode (DerivedCoreProperties.txt; UAX #44): characters a reader does
    /// not see, among them those that are not format characters (a grapheme joiner, variation selectors, Hangul fillers,
    /// Mongolian free variation selectors, tags), so that "LOOK-1" and "LOOK\u034F-1" cannot both be decisions.
    /// </summary>
    private static readonly (int First, int Last)[] s_defaultIgnorable =
    [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
        (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
    ];

    /// <summary>Whether <paramref name="codePoint"/> is Default_Ignorable_Code_Point.</summary>
    internal static bool IsDefaultIgnorable(int codePoint)
    {
        foreach ((int first, int last) in s_defaultIgnorable)
        {
            if (codePoint >= first && codePoint <= last)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A one-line name that people read and compare, such as a decision number or an authority's name: required, at most
    /// <paramref name="maxLength"/> characters, normalised to NFC (so one reference has one spelling), without control
    /// or format characters (Unicode Cc and Cf: bidi overrides, zero-width characters), default-ignorable code points
    /// (invisible ones of any category) or line separators, which would let two references look alike.
    /// </summary>
    internal static string Label(string? value, string field, int maxLength)
    {
        string text = Required(value, field, maxLength);
        if (!text.IsNormalized(NormalizationForm.FormC))
        {
            text = text.Normalize(NormalizationForm.FormC);
        }

        foreach (Rune rune in text.EnumerateRunes())
        {
            UnicodeCategory category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                throw RegistryProblem.Invalid(field, $"'{field}' holds U+{rune.Value:X4} ({category}); names are one line of visible characters, so that two of them cannot look alike");
            }

            if (IsDefaultIgnorable(rune.Value))
            {
                throw RegistryProblem.Invalid(field, $"'{field}' holds U+{rune.Value:X4}, a default-ignorable code point that no one sees; names are one line of visible characters, so that two of them cannot look alike");
            }
        }

        return text;
    }

    /// <summary>The order reference <c>authority/decision</c>.</summary>
    internal static string Reference(string authority, string decision) => new OrderReference(authority, decision).ToString();
}
