using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Palisade.Core;

/// <summary>
/// An IPv4 or IPv6 CIDR prefix; a host address is the /32 or /128 prefix. Host bits after the prefix length must
/// be zero: <c>192.0.2.1/24</c> is refused with a message naming <c>192.0.2.0/24</c>, because an order must say
/// exactly what it blocks. IPv4 accepts only dotted-decimal quads without leading zeros (no inet_aton forms).
/// </summary>
public readonly struct IpPrefix : IEquatable<IpPrefix>, IComparable<IpPrefix>, ISpanParsable<IpPrefix>, IUtf8SpanFormattable
{
    /// <summary>Longest accepted input: an IPv6 address with an embedded IPv4 tail and a prefix length.</summary>
    public const int MaxInputLength = 64;

    private static readonly System.Buffers.SearchValues<char> s_digits = System.Buffers.SearchValues.Create("0123456789");

    private readonly UInt128 _bits;
    private readonly byte _prefixLength;
    private readonly bool _isIPv6;

    private IpPrefix(UInt128 bits, int prefixLength, bool isIPv6)
    {
        _bits = bits;
        _prefixLength = (byte)prefixLength;
        _isIPv6 = isIPv6;
    }

    /// <summary>True for an IPv6 prefix.</summary>
    public bool IsIPv6 => _isIPv6;

    /// <summary>The prefix length in bits.</summary>
    public int PrefixLength => _prefixLength;

    /// <summary>The address width: 32 or 128.</summary>
    public int AddressBits => _isIPv6 ? 128 : 32;

    /// <summary>The network address as a number (an IPv4 prefix in the low 32 bits); host bits are zero.</summary>
    public UInt128 NetworkBits => _bits;

    /// <summary>True when the prefix names one host (/32 or /128).</summary>
    public bool IsHost => _prefixLength == AddressBits;

    /// <summary>The network address.</summary>
    public IPAddress BaseAddress
    {
        get
        {
            if (!_isIPv6)
            {
                return new IPAddress(BitConverterBigEndian((uint)_bits));
            }

            Span<byte> bytes = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, _bits);
            return new IPAddress(bytes);
        }
    }

    /// <summary>Creates a prefix; fails when host bits are set.</summary>
    public static IpPrefix Create(IPAddress address, int prefixLength)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int width = v6 ? 128 : 32;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, width);
        var bits = ToBits(address);
        if ((bits & ~Mask(prefixLength, width)) != 0)
        {
            throw new ArgumentException($"host bits are set; the prefix is {new IpPrefix(bits & Mask(prefixLength, width), prefixLength, v6)}", nameof(address));
        }

        return new IpPrefix(bits, prefixLength, v6);
    }

    /// <summary>The prefix of the given length holding <paramref name="bits"/> (an IPv4 address in the low 32 bits); bits
    /// after the prefix length are cleared.</summary>
    public static IpPrefix FromBits(UInt128 bits, int prefixLength, bool isIPv6)
    {
        int width = isIPv6 ? 128 : 32;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, width);
        return new IpPrefix(bits & Mask(prefixLength, width), prefixLength, isIPv6);
    }

    /// <summary>True when <paramref name="address"/> lies inside this prefix (an IPv4-mapped IPv6 address never matches an IPv4 prefix).</summary>
    public bool Contains(IPAddress address)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        return v6 == _isIPv6 && (ToBits(address) & Mask(_prefixLength, AddressBits)) == _bits;
    }

    /// <summary>True when <paramref name="other"/> lies wholly inside this prefix.</summary>
    public bool Contains(IpPrefix other) =>
        other._isIPv6 == _isIPv6 && other._prefixLength >= _prefixLength && (other._bits & Mask(_prefixLength, AddressBits)) == _bits;

    /// <summary>The IPv4-mapped IPv6 prefix <c>::ffff:0:0/96</c> (RFC 4291 §2.5.5.2): IPv4 addresses written as IPv6.</summary>
    public static IpPrefix IPv4Mapped { get; } = new(((UInt128)0xFFFF) << 32, 96, true);

    /// <summary>The NAT64 well-known prefix <c>64:ff9b::/96</c> (RFC 6052 §2.1): IPv6 names of IPv4 hosts behind a
    /// translator.</summary>
    public static IpPrefix Nat64WellKnown { get; } = new(((UInt128)0x0064_FF9B) << 96, 96, true);

    /// <summary>
    /// The IPv4 addresses this IPv6 prefix stands for through a /96 translation prefix such as <see cref="IPv4Mapped"/>
    /// or <see cref="Nat64WellKnown"/> (RFC 6052 §2.2, the /96 format: the IPv4 address is the last 32 bits). A prefix
    /// inside the translation prefix embeds the IPv4 prefix of its last bits; one that covers the whole translation
    /// prefix embeds <c>0.0.0.0/0</c>; false when the two do not overlap.
    /// </summary>
    public bool TryGetEmbeddedIPv4(IpPrefix translation, out IpPrefix ipv4)
    {
        ipv4 = default;
        if (!_isIPv6 || !translation._isIPv6 || translation._prefixLength != 96)
        {
            return false;
        }

        if (translation.Contains(this))
        {
            ipv4 = new IpPrefix((uint)_bits, _prefixLength - 96, false);
            return true;
        }

        if (Contains(translation))
        {
            ipv4 = new IpPrefix(0, 0, false);
            return true;
        }

        return false;
    }

    /// <summary>Parses a prefix or a host address.</summary>
    /// <exception cref="FormatException">The value is not a prefix; the message says why.</exception>
    public static IpPrefix Parse(string s) => Parse(s.AsSpan());

    /// <inheritdoc cref="Parse(string)"/>
    public static IpPrefix Parse(ReadOnlySpan<char> s) =>
        TryParse(s, out var result, out string? error) ? result : throw new FormatException($"'{s}' is not an IP prefix: {error}.");

    static IpPrefix IParsable<IpPrefix>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static IpPrefix ISpanParsable<IpPrefix>.Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s);

    /// <summary>Tries to parse a prefix or a host address.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, out IpPrefix result) => TryParse(s.AsSpan(), out result, out _);

    /// <summary>Tries to parse a prefix or a host address.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out IpPrefix result) => TryParse(s, out result, out _);

    static bool IParsable<IpPrefix>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out IpPrefix result) => TryParse(s, out result);

    static bool ISpanParsable<IpPrefix>.TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out IpPrefix result) => TryParse(s, out result);

    /// <summary>Tries to parse a prefix or a host address; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out IpPrefix result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        if (s.IsEmpty || s.Length > MaxInputLength)
        {
            error = s.IsEmpty ? "the value is empty" : $"the value is longer than {MaxInputLength} characters";
            return false;
        }

        int slash = s.IndexOf('/');
        var addressText = slash < 0 ? s : s[..slash];
        bool v6 = addressText.Contains(':');
        UInt128 bits;
        if (v6)
        {
            // The WHATWG IPv6 parser reads exactly the RFC 4291 §2.2 text forms, with no zone index and no allocation.
            Span<ushort> pieces = stackalloc ushort[8];
            if (!Url.UrlHostParser.TryParseIPv6(addressText, pieces, out _))
            {
                error = "the address is not an IPv6 address (RFC 4291 §2.2 text form, no zone index)";
                return false;
            }

            bits = UInt128.Zero;
            foreach (ushort piece in pieces)
            {
                bits = (bits << 16) | piece;
            }
        }
        else if (!TryParseIPv4(addressText, out uint v4, out error))
        {
            return false;
        }
        else
        {
            bits = v4;
        }

        int width = v6 ? 128 : 32;
        int length = width;
        if (slash >= 0)
        {
            var lengthText = s[(slash + 1)..];
            if (lengthText.IsEmpty || lengthText.Length > 3 || lengthText.IndexOfAnyExcept(s_digits) >= 0 || (lengthText.Length > 1 && lengthText[0] == '0'))
            {
                error = "the prefix length is not a decimal number without leading zeros";
                return false;
            }

            length = int.Parse(lengthText, CultureInfo.InvariantCulture);
            if (length > width)
            {
                error = $"the prefix length {length} is longer than {width} bits";
                return false;
            }
        }

        var mask = Mask(length, width);
        if ((bits & ~mask) != 0)
        {
            error = $"host bits are set after /{length}; the prefix is {new IpPrefix(bits & mask, length, v6)}";
            return false;
        }

        result = new IpPrefix(bits, length, v6);
        error = null;
        return true;
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> s, out uint value, [NotNullWhen(false)] out string? error)
    {
        value = 0;
        int parts = 0;
        foreach (var range in s.Split('.'))
        {
            var part = s[range];
            if (++parts > 4 || part.IsEmpty || part.Length > 3 || part.IndexOfAnyExcept(s_digits) >= 0)
            {
                error = "the address is not a dotted-decimal IPv4 address";
                return false;
            }

            if (part.Length > 1 && part[0] == '0')
            {
                error = "an IPv4 octet has a leading zero, which some parsers read as octal";
                return false;
            }

            int octet = int.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                error = "an IPv4 octet is greater than 255";
                return false;
            }

            value = (value << 8) | (uint)octet;
        }

        if (parts != 4)
        {
            error = "the address is not a dotted-decimal IPv4 address";
            return false;
        }

        error = null;
        return true;
    }

    private static UInt128 ToBits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 Mask(int length, int width) =>
        length == 0 ? UInt128.Zero : (UInt128.MaxValue << (128 - length)) >> (128 - width);

    private static byte[] BitConverterBigEndian(uint value)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <inheritdoc/>
    public bool Equals(IpPrefix other) => _bits == other._bits && _prefixLength == other._prefixLength && _isIPv6 == other._isIPv6;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IpPrefix other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_bits, _prefixLength, _isIPv6);

    /// <summary>IPv4 before IPv6, then by network address, then shorter (wider) prefixes first.</summary>
    public int CompareTo(IpPrefix other)
    {
        int c = _isIPv6.CompareTo(other._isIPv6);
        if (c == 0)
        {
            c = _bits.CompareTo(other._bits);
        }

        return c != 0 ? c : _prefixLength.CompareTo(other._prefixLength);
    }

    /// <summary>The canonical CIDR form: <c>192.0.2.0/24</c>, <c>2001:db8::/32</c> (RFC 5952 text for IPv6).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{BaseAddress}/{_prefixLength}");

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (!BaseAddress.TryFormat(destination, out int written) || destination.Length - written < 4)
        {
            charsWritten = 0;
            return false;
        }

        destination[written++] = '/';
        bool ok = _prefixLength.TryFormat(destination[written..], out int lengthWritten, default, CultureInfo.InvariantCulture);
        charsWritten = ok ? written + lengthWritten : 0;
        return ok;
    }

    /// <inheritdoc/>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        Span<char> chars = stackalloc char[64];
        if (!TryFormat(chars, out int written, format, provider))
        {
            bytesWritten = 0;
            return false;
        }

        return Encoding.ASCII.TryGetBytes(chars[..written], utf8Destination, out bytesWritten);
    }

    /// <summary>Equality of family, address and length.</summary>
    public static bool operator ==(IpPrefix left, IpPrefix right) => left.Equals(right);

    /// <summary>Inequality of family, address or length.</summary>
    public static bool operator !=(IpPrefix left, IpPrefix right) => !left.Equals(right);

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator <(IpPrefix left, IpPrefix right) => left.CompareTo(right) < 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator <=(IpPrefix left, IpPrefix right) => left.CompareTo(right) <= 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator >(IpPrefix left, IpPrefix right) => left.CompareTo(right) > 0;

    /// <summary>Order as <see cref="CompareTo"/>.</summary>
    public static bool operator >=(IpPrefix left, IpPrefix right) => left.CompareTo(right) >= 0;
}
