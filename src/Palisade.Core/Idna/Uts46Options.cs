namespace Palisade.Core.Idna;

/// <summary>The UTS #46 §4 processing flags. Processing is always Nontransitional (UTS #46 §4, as WHATWG requires).</summary>
internal readonly record struct Uts46Options(
    bool CheckHyphens,
    bool CheckBidi,
    bool CheckJoiners,
    bool UseStd3AsciiRules,
    bool VerifyDnsLength,
    bool AsciiFastPath)
{
    /// <summary>
    /// WHATWG URL "domain to ASCII" with beStrict = false: an all-ASCII input is only lower-cased, anything else
    /// goes through full UTS #46 with CheckBidi and CheckJoiners.
    /// </summary>
    public static Uts46Options UrlHost { get; } = new(false, true, true, false, false, AsciiFastPath: true);

    /// <summary>
    /// The registry's rules for a DNS name: full UTS #46 on every label (ACE labels are decoded and checked too),
    /// CheckBidi, CheckJoiners and the RFC 1035 length limits. Letters/digits/hyphen/underscore are enforced by
    /// <c>DomainName</c> itself, because real zones hold underscore labels (RFC 8552).
    /// </summary>
    public static Uts46Options Registry { get; } = new(false, true, true, false, true, AsciiFastPath: false);
}
