using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Palisade.Core;

namespace Palisade.Firewall;

/// <summary>
/// The addresses a set of prefixes covers, as sorted, disjoint intervals: overlapping and adjacent prefixes joined,
/// as an nftables interval set stores them (nft refuses overlapping elements in a set without auto-merge). Each
/// interval is written the way <c>nft</c> lists it: an address, a prefix, or a range <c>first-last</c>.
/// </summary>
public sealed class AddressIntervals
{
    private readonly List<(UInt128 First, UInt128 Last)> _intervals;

    private AddressIntervals(bool isIPv6, List<(UInt128 First, UInt128 Last)> intervals)
    {
        IsIPv6 = isIPv6;
        _intervals = intervals;
    }

    /// <summary>True for IPv6 addresses.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The joined intervals, first to last.</summary>
    public IReadOnlyList<(UInt128 First, UInt128 Last)> Intervals => _intervals;

    /// <summary>Joins the prefixes of one family (the others are ignored).</summary>
    public static AddressIntervals Join(IEnumerable<IpPrefix> prefixes, bool isIPv6)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        var ranges = new List<(UInt128 First, UInt128 Last)>();
        foreach (IpPrefix prefix in prefixes)
        {
            if (prefix.IsIPv6 != isIPv6)
            {
                continue;
            }

            int hostBits = prefix.AddressBits - prefix.PrefixLength;
            UInt128 hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            ranges.Add((prefix.NetworkBits, prefix.NetworkBits | hostMask));
        }

        ranges.Sort((x, y) => x.First.CompareTo(y.First));
        var joined = new List<(UInt128 First, UInt128 Last)>(ranges.Count);
        foreach ((UInt128 first, UInt128 last) in ranges)
        {
            if (joined.Count > 0 && (joined[^1].Last == UInt128.MaxValue || first <= joined[^1].Last + 1))
            {
                (UInt128 previousFirst, UInt128 previousLast) = joined[^1];
                joined[^1] = (previousFirst, last > previousLast ? last : previousLast);
            }
            else
            {
                joined.Add((first, last));
            }
        }

        return new AddressIntervals(isIPv6, joined);
    }

    /// <summary>The elements as nft writes them: <c>192.0.2.7</c>, <c>10.0.0.0/8</c> or <c>192.0.2.1-192.0.2.9</c>.</summary>
    public IEnumerable<string> Elements()
    {
        foreach ((UInt128 first, UInt128 last) in _intervals)
        {
            yield return Format(first, last);
        }
    }

    private string Format(UInt128 first, UInt128 last)
    {
        if (first == last)
        {
            return Address(first).ToString();
        }

        int bits = IsIPv6 ? 128 : 32;
        UInt128 size = last - first + 1; // 0 only for all of IPv6
        if (size == 0 && first == 0)
        {
            return "::/0";
        }

        if (UInt128.IsPow2(size) && (first & (size - 1)) == 0)
        {
            int length = bits - (int)UInt128.Log2(size);
            return string.Create(CultureInfo.InvariantCulture, $"{Address(first)}/{length}");
        }

        return $"{Address(first)}-{Address(last)}";
    }

    private IPAddress Address(UInt128 value)
    {
        if (!IsIPv6)
        {
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(four, (uint)value);
            return new IPAddress(four);
        }

        Span<byte> sixteen = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(sixteen, value);
        return new IPAddress(sixteen);
    }
}
