namespace Palisade.Core.Idna;

/// <summary>Human-readable names of the rule behind each <see cref="IdnaError"/>.</summary>
public static class IdnaErrors
{
    /// <summary>Describes <paramref name="error"/> in words that name the rule.</summary>
    public static string Describe(IdnaError error) => error switch
    {
        IdnaError.None => "no error",
        IdnaError.DisallowedCodePoint => "contains a code point that UTS #46 disallows",
        IdnaError.InvalidPunycode => "an xn-- label is not valid Punycode (RFC 3492) or decodes to plain ASCII",
        IdnaError.NotNormalized => "a label is not in Unicode Normalization Form C (UTS #46 §4.1)",
        IdnaError.LeadingCombiningMark => "a label begins with a combining mark (UTS #46 §4.1)",
        IdnaError.NestedAcePrefix => "a decoded label begins with xn-- (UTS #46 §4.1)",
        IdnaError.ContextJ => "a zero width joiner or non-joiner is outside the context RFC 5892 Appendix A allows",
        IdnaError.Bidi => "a label breaks the Bidi Rule of RFC 5893 §2",
        IdnaError.Std3 => "a label holds a character other than letters, digits, hyphen or underscore",
        IdnaError.Hyphen => "a label starts or ends with a hyphen, or has hyphens in positions 3 and 4",
        IdnaError.EmptyLabel => "a label is empty",
        IdnaError.LabelTooLong => "a label is longer than 63 octets (RFC 1035 §2.3.4)",
        IdnaError.NameTooLong => "the name is longer than 253 octets (RFC 1035 §2.3.4)",
        IdnaError.Empty => "the name is empty",
        IdnaError.InvalidUtf16 => "the input holds a lone surrogate, so it is not Unicode text",
        _ => error.ToString(),
    };
}
