using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Palisade.Core;

/// <summary>
/// What a DNS order names: an exact name (<c>example.com</c>), or a wildcard (<c>*.example.com</c>) meaning every
/// name strictly below it and not the name itself, as an RPZ wildcard owner name does (RPZ draft §6.1).
/// </summary>
public readonly struct DomainPattern : IEquatable<DomainPattern>, IComparable<DomainPattern>, ISpanParsable<DomainPattern>, IUtf8SpanFormattable
{
    private DomainPattern(DomainName name, bool isWildcard)
    {
        Name = name;
        IsWildcard = isWildcard;
    }

    /// <summary>The exact name, or the name below which a wildcard matches.</summary>
    public DomainName Name { get; }

    /// <summary>True for <c>*.name</c>.</summary>
    public bool IsWildcard { get; }

    /// <summary>An exact-name pattern.</summary>
    public static DomainPattern Exact(DomainName name) => new(name, false);

    /// <summary>A wildcard pattern covering every name strictly below <paramref name="name"/>.</summary>
    public static DomainPattern Below(DomainName name) => new(name, true);

    /// <summary>True when <paramref name="name"/> is covered by this pattern.</summary>
    public bool Matches(DomainName name) => IsWildcard ? name.IsBelow(Name) : name == Name;

    /// <summary>Parses <c>name</c> or <c>*.name</c>.</summary>
    /// <exception cref="FormatException">The value is not a pattern; the message says why.</exception>
    public static DomainPattern Parse(string s) => Parse(s.AsSpan());

    /// <inheritdoc cref="Parse(string)"/>
    public static DomainPattern Parse(ReadOnlySpan<char> s) =>
        TryParse(s, out var result, out string? error) ? result : throw new FormatException($"'{s}' is not a domain pattern: {error}.");

    static DomainPattern IParsable<DomainPattern>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static DomainPattern ISpanParsable<DomainPattern>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    /// <summary>Tries to parse <c>name</c> or <c>*.name</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out DomainPattern result) => TryParse(s.AsSpan(), out result, out _);

    /// <summary>Tries to parse <c>name</c> or <c>*.name</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out DomainPattern result) => TryParse(s, out result, out _);

    static bool IParsable<DomainPattern>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out DomainPattern result) => TryParse(s, out result);

    static bool ISpanParsable<DomainPattern>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out DomainPattern result) => TryParse(s, out result);

    /// <summary>Tries to parse <c>name</c> or <c>*.name</c>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out DomainPattern result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        bool wildcard = s.StartsWith("*.");
        var nameText = wildcard ? s[2..] : s;
        if (nameText.Contains('*'))
        {
            error = "'*' may only stand alone as the first label (\"*.example.com\")";
            return false;
        }

        if (!DomainName.TryParse(nameText, out var name, out error))
        {
            return false;
        }

        if (wildcard && name.Value.Length + 2 > 253)
        {
            error = "the name is longer than 253 octets (RFC 1035 §2.3.4)";
            return false;
        }

        result = new DomainPattern(name, wildcard);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(DomainPattern other) => IsWildcard == other.IsWildcard && Name == other.Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DomainPattern other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, IsWildcard);

    /// <summary>By name, exact before wildcard.</summary>
    public int CompareTo(DomainPattern other)
    {
        int c = Name.CompareTo(other.Name);
        return c != 0 ? c : IsWildcard.CompareTo(other.IsWildcard);
    }

    /// <inheritdoc/>
    public override string ToString() => IsWildcard ? "*." + Name.Value : Name.Value;

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        int prefix = IsWildcard ? 2 : 0;
        if (destination.Length < prefix + Name.Value.Length)
        {
            charsWritten = 0;
            return false;
        }

        if (IsWildcard)
        {
            "*.".CopyTo(destination);
        }

        Name.Value.CopyTo(destination[prefix..]);
        charsWritten = prefix + Name.Value.Length;
        return true;
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Encoding.ASCII.TryGetBytes(ToString(), utf8Destination, out bytesWritten);

    /// <summary>Equality of kind and name.</summary>
    public static bool operator ==(DomainPattern left, DomainPattern right) => left.Equals(right);

    /// <summary>Inequality of kind or name.</summary>
    public static bool operator !=(DomainPattern left, DomainPattern right) => !left.Equals(right);

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator <(DomainPattern left, DomainPattern right) => left.CompareTo(right) < 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator <=(DomainPattern left, DomainPattern right) => left.CompareTo(right) <= 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator >(DomainPattern left, DomainPattern right) => left.CompareTo(right) > 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator >=(DomainPattern left, DomainPattern right) => left.CompareTo(right) >= 0;
}
