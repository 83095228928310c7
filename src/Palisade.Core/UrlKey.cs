using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Palisade.Core.Url;

namespace Palisade.Core;

/// <summary>
/// An http or https URL in its canonical form: parsed and serialised by the WHATWG URL Standard, fragment
/// dropped (a fragment never reaches a server, so it cannot be part of what an order blocks).
/// </summary>
public readonly struct UrlKey : IEquatable<UrlKey>, IComparable<UrlKey>, ISpanParsable<UrlKey>, IUtf8SpanFormattable
{
    private static readonly SearchValues<char> s_hostCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-._");
    private static readonly SearchValues<char> s_digits = SearchValues.Create("0123456789");

    // Printable ASCII that the path / special-query percent-encode sets leave alone (and no '\\', which a special
    // URL's path reads as '/'). Using SearchValues rather than ContainsAnyExceptInRange keeps the check allocation-free.
    private static readonly SearchValues<char> s_pathKept = SearchValues.Create(Printable(" \"#<>?^`{}\\"));
    private static readonly SearchValues<char> s_queryKept = SearchValues.Create(Printable(" \"#<>'"));

    private readonly string? _value;

    private UrlKey(string value) => _value = value;

    /// <summary>The canonical URL, e.g. <c>https://xn--d1abbgf6aiiy.xn--p1ai/news?id=1</c>.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True for the default value, which is not a URL.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>True for https.</summary>
    public bool IsHttps => Value.StartsWith("https:", StringComparison.Ordinal);

    /// <summary>The serialised host: a domain, a dotted IPv4 address, or a bracketed IPv6 address.</summary>
    public ReadOnlySpan<char> Host
    {
        get
        {
            var authority = Authority(Value);
            int at = authority.LastIndexOf('@');
            var hostPort = authority[(at + 1)..];
            int close = hostPort.LastIndexOf(']');
            int colon = hostPort.LastIndexOf(':');
            return colon > close ? hostPort[..colon] : hostPort;
        }
    }

    /// <summary>True when the URL carries userinfo (a user name or password before '@' in its authority).</summary>
    public bool HasUserInfo => _value is not null && Authority(_value).Contains('@');

    /// <summary>Parses an http or https URL.</summary>
    /// <exception cref="FormatException">The value is not an http(s) URL; the message says why.</exception>
    public static UrlKey Parse(string s) => TryParse(s.AsSpan(), s, out var result, out string? error) ? result : ThrowFormat(s, error);

    /// <inheritdoc cref="Parse(string)"/>
    public static UrlKey Parse(ReadOnlySpan<char> s) => TryParse(s, null, out var result, out string? error) ? result : ThrowFormat(s, error);

    static UrlKey IParsable<UrlKey>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static UrlKey ISpanParsable<UrlKey>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    /// <summary>Tries to parse an http or https URL.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out UrlKey result) => TryParse(s.AsSpan(), s, out result, out _);

    /// <summary>Tries to parse an http or https URL.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out UrlKey result) => TryParse(s, null, out result, out _);

    /// <summary>Tries to parse an http or https URL; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out UrlKey result, [NotNullWhen(false)] out string? error) => TryParse(s, null, out result, out error);

    static bool IParsable<UrlKey>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out UrlKey result) => TryParse(s, out result);

    static bool ISpanParsable<UrlKey>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out UrlKey result) => TryParse(s, out result);

    private static bool TryParse(ReadOnlySpan<char> s, string? original, out UrlKey result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        error = null;
        if (IsCanonical(s))
        {
            result = new UrlKey(original ?? s.ToString());
            return true;
        }

        var url = WhatwgUrlParser.Parse(original ?? s.ToString(), null, out string parseError);
        if (url is null)
        {
            error = parseError;
            return false;
        }

        if (url.Scheme is not ("http" or "https"))
        {
            error = $"scheme '{url.Scheme}' is not http or https";
            return false;
        }

        result = new UrlKey(url.Serialize(excludeFragment: true));
        return true;
    }

    /// <summary>
    /// True when <paramref name="s"/> is an http(s) URL that the WHATWG parser would serialise unchanged (no
    /// userinfo, IPv6 or IPv4-looking host, no dot segments, nothing to percent-encode, no fragment). Such input
    /// is taken as it is, without building a URL record. A conservative check: anything else takes the full parser.
    /// </summary>
    internal static bool IsCanonical(ReadOnlySpan<char> s)
    {
        int schemeLength = s.StartsWith("https://") ? 8 : s.StartsWith("http://") ? 7 : 0;
        if (schemeLength == 0)
        {
            return false;
        }

        var rest = s[schemeLength..];
        int slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var authority = rest[..slash];
        int colon = authority.IndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        if (host.IsEmpty || host.IndexOfAnyExcept(s_hostCharacters) >= 0 || UrlHostParser.EndsInNumber(host))
        {
            return false;
        }

        if (colon >= 0)
        {
            var port = authority[(colon + 1)..];
            if (port.IsEmpty || port.Length > 5 || port[0] == '0' || port.IndexOfAnyExcept(s_digits) >= 0)
            {
                return false;
            }

            int value = int.Parse(port, provider: System.Globalization.CultureInfo.InvariantCulture);
            if (value > 65535 || value == (schemeLength == 8 ? 443 : 80))
            {
                return false;
            }
        }

        var pathAndQuery = rest[slash..];
        int question = pathAndQuery.IndexOf('?');
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        if (path.IndexOfAnyExcept(s_pathKept) >= 0)
        {
            return false;
        }

        foreach (var range in path[1..].Split('/'))
        {
            var segment = path[1..][range];
            if (IsDotSegment(segment))
            {
                return false;
            }
        }

        if (question >= 0)
        {
            var query = pathAndQuery[(question + 1)..];
            if (query.IndexOfAnyExcept(s_queryKept) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string excluded)
    {
        var chars = new StringBuilder();
        for (char c = (char)0x21; c <= (char)0x7E; c++)
        {
            if (!excluded.Contains(c, StringComparison.Ordinal))
            {
                chars.Append(c);
            }
        }

        return chars.ToString();
    }

    /// <summary>True for ".", "..", and their spellings with "%2e" (WHATWG URL §4.2 single- and double-dot segments).</summary>
    private static bool IsDotSegment(ReadOnlySpan<char> segment)
    {
        int dots = 0;
        for (int i = 0; i < segment.Length; dots++)
        {
            if (segment[i] == '.')
            {
                i++;
            }
            else if (segment[i] == '%' && i + 2 < segment.Length && segment[i + 1] == '2' && (segment[i + 2] | 0x20) == 'e')
            {
                i += 3;
            }
            else
            {
                return false;
            }
        }

        return dots is 1 or 2;
    }

    private static ReadOnlySpan<char> Authority(string value)
    {
        int start = value.IndexOf("://", StringComparison.Ordinal) + 3;
        var rest = value.AsSpan(start);
        int end = rest.IndexOfAny('/', '?');
        return end < 0 ? rest : rest[..end];
    }

    [DoesNotReturn]
    private static UrlKey ThrowFormat(ReadOnlySpan<char> s, string error) =>
        throw new FormatException($"'{s}' is not an http(s) URL: {error}.");

    /// <inheritdoc/>
    public bool Equals(UrlKey other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UrlKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc/>
    public int CompareTo(UrlKey other) => string.CompareOrdinal(Value, other.Value);

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
    public static bool operator ==(UrlKey left, UrlKey right) => left.Equals(right);

    /// <summary>Inequality by canonical form.</summary>
    public static bool operator !=(UrlKey left, UrlKey right) => !left.Equals(right);

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator <(UrlKey left, UrlKey right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator <=(UrlKey left, UrlKey right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator >(UrlKey left, UrlKey right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal order of the canonical forms.</summary>
    public static bool operator >=(UrlKey left, UrlKey right) => left.CompareTo(right) >= 0;
}
