using System.Diagnostics.CodeAnalysis;

namespace Palisade.Core;

/// <summary>
/// One target of an order in its canonical text: a domain name, a wildcard pattern, a URL key or an IP prefix. Orders
/// carry targets exactly as the core values serialise them, so what is logged is what is enforced.
/// </summary>
public readonly struct OrderTarget : IEquatable<OrderTarget>
{
    private OrderTarget(TargetKind kind, string value, DomainPattern pattern, UrlKey url, IpPrefix prefix)
    {
        Kind = kind;
        Value = value;
        Pattern = pattern;
        Url = url;
        Prefix = prefix;
    }

    /// <summary>What the target names.</summary>
    public TargetKind Kind { get; }

    /// <summary>The canonical text.</summary>
    public string Value { get; }

    /// <summary>The name or pattern, for <see cref="TargetKind.Domain"/> and <see cref="TargetKind.Pattern"/>.</summary>
    public DomainPattern Pattern { get; }

    /// <summary>The URL key, for <see cref="TargetKind.Url"/>.</summary>
    public UrlKey Url { get; }

    /// <summary>The prefix, for <see cref="TargetKind.Prefix"/>.</summary>
    public IpPrefix Prefix { get; }

    /// <summary>The lower-case name of the kind as it appears in documents: domain, pattern, url, prefix.</summary>
    public string KindName => KindNameOf(Kind);

    /// <summary>The document name of a kind.</summary>
    public static string KindNameOf(TargetKind kind) => kind switch
    {
        TargetKind.Domain => "domain",
        TargetKind.Pattern => "pattern",
        TargetKind.Url => "url",
        _ => "prefix",
    };

    /// <summary>The kind of a target already in canonical form, from its shape alone (no validation).</summary>
    public static TargetKind KindOfCanonical(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        return canonical.Contains("://", StringComparison.Ordinal) ? TargetKind.Url
            : canonical.StartsWith("*.", StringComparison.Ordinal) ? TargetKind.Pattern
            : canonical.Contains('/', StringComparison.Ordinal) ? TargetKind.Prefix
            : TargetKind.Domain;
    }

    /// <summary>Parses any accepted spelling of a target (Unicode names, upper case, a bare host address) into its
    /// canonical form.</summary>
    public static bool TryParse(string text, out OrderTarget target, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        target = default;
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!UrlKey.TryParse(text, out UrlKey url, out error))
            {
                return false;
            }

            target = new OrderTarget(TargetKind.Url, url.Value, default, url, default);
            return true;
        }

        if (LooksLikeAddress(text))
        {
            if (!IpPrefix.TryParse(text, out IpPrefix prefix, out error))
            {
                return false;
            }

            // An IPv4-mapped IPv6 prefix is an IPv4 prefix in IPv6 spelling; its canonical form is the IPv4 one, so
            // that one order, one lookup and one export trigger cover the addresses whichever way they are written.
            if (prefix.PrefixLength >= 96 && prefix.TryGetEmbeddedIPv4(IpPrefix.IPv4Mapped, out IpPrefix ipv4))
            {
                prefix = ipv4;
            }

            target = new OrderTarget(TargetKind.Prefix, prefix.ToString(), default, default, prefix);
            return true;
        }

        if (!DomainPattern.TryParse(text, out DomainPattern pattern, out error))
        {
            return false;
        }

        target = new OrderTarget(pattern.IsWildcard ? TargetKind.Pattern : TargetKind.Domain, pattern.ToString(), pattern, default, default);
        return true;
    }

    /// <summary>Parses a target of an order: any spelling that maps to exactly one canonical form (Unicode or mixed-case
    /// names, a trailing dot, full-width dots, URLs the WHATWG parser normalises, an IPv4-mapped IPv6 prefix), refusing
    /// what is invalid or ambiguous (host bits after the prefix length, an invalid label) and a URL that carries a user
    /// name or password, which the public, permanent log must never hold.</summary>
    public static bool TryParseForOrder(string text, out OrderTarget target, [NotNullWhen(false)] out string? error)
    {
        if (!TryParse(text, out target, out error))
        {
            return false;
        }

        if (target.Kind == TargetKind.Url && target.Url.HasUserInfo)
        {
            error = $"'{text}' holds a user name or password; the transparency log is public and permanent, so an order names the URL without them";
            target = default;
            return false;
        }

        return true;
    }

    /// <summary>How people read a canonical name, pattern or URL target whose host holds A-labels: each <c>xn--</c>
    /// label decoded to Unicode (<c>xn--e1afmkfd.xn--p1ai</c> reads <c>пример.рф</c>); null when there is nothing to
    /// decode or a label does not decode. For display beside the A-label only: what is enforced is the canonical text.</summary>
    public static string? UnicodeForm(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        if (!canonical.Contains("xn--", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        int hostStart = 0, hostEnd = canonical.Length;
        int scheme = canonical.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            hostStart = scheme + 3;
            int end = canonical.IndexOfAny([':', '/', '?'], hostStart);
            hostEnd = end < 0 ? canonical.Length : end;
        }

        var text = new System.Text.StringBuilder(canonical.Length);
        text.Append(canonical, 0, hostStart);
        var codePoints = new List<int>();
        bool decoded = false;
        foreach (string label in canonical[hostStart..hostEnd].Split('.'))
        {
            if (text.Length > hostStart)
            {
                text.Append('.');
            }

            if (!label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase))
            {
                text.Append(label);
                continue;
            }

            codePoints.Clear();
            if (!Idna.Punycode.TryDecode(label.AsSpan(4), codePoints))
            {
                return null;
            }

            foreach (int codePoint in codePoints)
            {
                if (codePoint is < 0 or > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
                {
                    return null;
                }

                text.Append(char.ConvertFromUtf32(codePoint));
            }

            decoded = true;
        }

        return decoded ? text.Append(canonical, hostEnd, canonical.Length - hostEnd).ToString() : null;
    }

    private static bool LooksLikeAddress(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return true;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string address = slash < 0 ? text : text[..slash];
        return address.Length > 0 && address.AsSpan().IndexOfAnyExcept("0123456789.") < 0;
    }

    /// <inheritdoc />
    public bool Equals(OrderTarget other) => Kind == other.Kind && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is OrderTarget other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode(Value ?? string.Empty));

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Equality.</summary>
    public static bool operator ==(OrderTarget left, OrderTarget right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(OrderTarget left, OrderTarget right) => !left.Equals(right);
}
