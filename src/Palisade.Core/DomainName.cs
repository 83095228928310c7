using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Palisade.Core.Idna;
using Palisade.Core.Url;

namespace Palisade.Core;

/// <summary>
/// A DNS name as the registry stores it: UTS #46 ToASCII (Nontransitional, CheckBidi, CheckJoiners, every
/// <c>xn--</c> label decoded and validated), lower-case A-labels, no trailing dot, RFC 1035 length limits,
/// letters/digits/hyphen/underscore only, and never something the URL host parser would read as an IPv4 address.
/// </summary>
public readonly struct DomainName : IEquatable<DomainName>, IComparable<DomainName>, ISpanParsable<DomainName>, IUtf8SpanFormattable
{
    private static readonly SearchValues<char> s_nameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    private readonly string? _value;

    private DomainName(string value) => _value = value;

    /// <summary>The canonical ASCII form, e.g. <c>xn--d1abbgf6aiiy.xn--p1ai</c>.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True for the default value, which is not a name.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>The number of labels.</summary>
    public int LabelCount => _value is null ? 0 : _value.AsSpan().Count('.') + 1;

    /// <summary>Parses a name in any form UTS #46 maps (U-labels, mixed case, full-width dots, one trailing dot).</summary>
    /// <exception cref="FormatException">The value is not a domain name; the message names the rule it breaks.</exception>
    public static DomainName Parse(string s) => Parse(s.AsSpan(), s);

    /// <inheritdoc cref="Parse(string)"/>
    public static DomainName Parse(ReadOnlySpan<char> s) => Parse(s, null);

    static DomainName IParsable<DomainName>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static DomainName ISpanParsable<DomainName>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    /// <summary>Tries to parse a domain name.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out DomainName result) => TryParse(s.AsSpan(), s, out result, out _);

    /// <summary>Tries to parse a domain name.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out DomainName result) => TryParse(s, null, out result, out _);

    /// <summary>Tries to parse a domain name; on failure <paramref name="error"/> names the rule that failed.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out DomainName result, [NotNullWhen(false)] out string? error) => TryParse(s, null, out result, out error);

    static bool IParsable<DomainName>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out DomainName result) => TryParse(s, out result);

    static bool ISpanParsable<DomainName>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out DomainName result) => TryParse(s, out result);

    private static DomainName Parse(ReadOnlySpan<char> s, string? original) =>
        TryParse(s, original, out var result, out string? error) ? result : ThrowFormat(s, error);

    [DoesNotReturn]
    private static DomainName ThrowFormat(ReadOnlySpan<char> s, string error) =>
        throw new FormatException($"'{s}' is not a domain name: {error}.");

    private static bool TryParse(ReadOnlySpan<char> s, string? original, out DomainName result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        var idna = Uts46.ToAscii(s, Uts46Options.Registry with { VerifyDnsLength = false }, out string? ascii, original);
        if (idna != IdnaError.None)
        {
            error = IdnaErrors.Describe(idna);
            return false;
        }

        // The root dot is dropped: "example.com." and "example.com" are the same registry entry.
        if (ascii!.Length > 1 && ascii.EndsWith('.'))
        {
            ascii = ascii[..^1];
        }

        idna = Uts46.VerifyDnsLength(ascii);
        if (idna != IdnaError.None)
        {
            error = IdnaErrors.Describe(idna);
            return false;
        }

        if (ascii.AsSpan().IndexOfAnyExcept(s_nameCharacters) >= 0)
        {
            error = IdnaErrors.Describe(IdnaError.Std3);
            return false;
        }

        if (UrlHostParser.EndsInNumber(ascii))
        {
            error = "the last label is numeric, so URL parsers read it as an IPv4 address, not a name";
            return false;
        }

        result = new DomainName(ascii);
        error = null;
        return true;
    }

    /// <summary>Wraps a value already known to be canonical (for example one read back from our own storage).</summary>
    internal static DomainName FromCanonical(string value) => new(value);

    /// <summary>True when this name equals <paramref name="ancestor"/> or lies below it.</summary>
    public bool IsAtOrBelow(DomainName ancestor)
    {
        string name = Value, parent = ancestor.Value;
        return name.Length == parent.Length
            ? string.Equals(name, parent, StringComparison.Ordinal)
            : name.Length > parent.Length && name[name.Length - parent.Length - 1] == '.' && name.EndsWith(parent, StringComparison.Ordinal);
    }

    /// <summary>True when this name lies strictly below <paramref name="ancestor"/>.</summary>
    public bool IsBelow(DomainName ancestor) => Value.Length > ancestor.Value.Length && IsAtOrBelow(ancestor);

    /// <summary>The name with its first label removed, or false for a single-label name.</summary>
    public bool TryGetParent(out DomainName parent)
    {
        int dot = Value.IndexOf('.', StringComparison.Ordinal);
        parent = dot < 0 ? default : new DomainName(Value[(dot + 1)..]);
        return dot >= 0;
    }

    /// <inheritdoc/>
    public bool Equals(DomainName other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DomainName other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc/>
    public int CompareTo(DomainName other) => string.CompareOrdinal(Value, other.Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => Value;

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        bool ok = Value.TryCopyTo(destination);
        charsWritten = ok ? Value.Length : 0;
        return ok;
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Encoding.ASCII.TryGetBytes(Value, utf8Destination, out bytesWritten);

    /// <summary>Equality by canonical form.</summary>
    public static bool operator ==(DomainName left, DomainName right) => left.Equals(right);

    /// <summary>Inequality by canonical form.</summary>
    public static bool operator !=(DomainName left, DomainName right) => !left.Equals(right);

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator <(DomainName left, DomainName right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator <=(DomainName left, DomainName right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator >(DomainName left, DomainName right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator >=(DomainName left, DomainName right) => left.CompareTo(right) >= 0;
}
