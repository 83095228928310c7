namespace Palisade.Core.Idna;

/// <summary>Which UTS #46 / RFC 5891-5893 rule a domain name breaks.</summary>
public enum IdnaError
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>A code point whose UTS #46 status is disallowed.</summary>
    DisallowedCodePoint,
    /// <summary>An <c>xn--</c> label that is not valid Punycode (RFC 3492), or decodes to nothing or to plain ASCII.</summary>
    InvalidPunycode,
    /// <summary>A label that is not in Unicode Normalization Form C.</summary>
    NotNormalized,
    /// <summary>A label that begins with a combining mark (UTS #46 §4.1 criterion 6).</summary>
    LeadingCombiningMark,
    /// <summary>A decoded label that itself begins with <c>xn--</c>.</summary>
    NestedAcePrefix,
    /// <summary>A ZERO WIDTH JOINER or NON-JOINER outside the contexts RFC 5892 Appendix A allows.</summary>
    ContextJ,
    /// <summary>A label of a bidirectional domain name that breaks the Bidi Rule (RFC 5893 §2).</summary>
    Bidi,
    /// <summary>A character outside letters, digits, hyphen (and underscore) in a DNS name.</summary>
    Std3,
    /// <summary>A label starting or ending with a hyphen, or with hyphens in positions 3 and 4.</summary>
    Hyphen,
    /// <summary>An empty label.</summary>
    EmptyLabel,
    /// <summary>A label longer than 63 octets (RFC 1035 §2.3.4).</summary>
    LabelTooLong,
    /// <summary>A name longer than 253 characters (RFC 1035 §2.3.4, without the root dot).</summary>
    NameTooLong,
    /// <summary>The empty name.</summary>
    Empty,
    /// <summary>A lone surrogate: the input is not a Unicode string.</summary>
    InvalidUtf16,
}
