using System.Buffers.Binary;

namespace Palisade.Core;

/// <summary>
/// One rule for the IPv6 spellings of IPv4 addresses: the safeguards, lookups, DNS answers and the firewall all ask it
/// which IPv4 addresses an IPv6 address or prefix stands for, so an order on an IPv4 prefix is not slipped past by
/// writing its addresses as IPv6, and an IPv6 target cannot reach all of IPv4 without the IPv4 rules noticing.
/// </summary>
/// <remarks>
/// The forms, which do not overlap: IPv4-mapped <c>::ffff:0:0/96</c> and IPv4-compatible <c>::/96</c> (RFC 4291
/// §2.5.5), the NAT64 well-known prefix <c>64:ff9b::/96</c> (RFC 6052) and the local-use block <c>64:ff9b:1::/48</c>
/// (RFC 8215), and 6to4 <c>2002::/16</c> (RFC 3056, the IPv4 address in bits 16 to 47). An operator picks its own
/// translator prefix inside the local-use block; it is read in the /96 format of RFC 6052 §2.2 (the IPv4 address in the
/// last 32 bits), so a local-use prefix shorter than /96 stands for all of IPv4, as it may through a translator there.
/// </remarks>
public static class EmbeddedIPv4
{
    /// <summary>An IPv6 block whose addresses carry an IPv4 address at a fixed bit offset.</summary>
    /// <param name="Block">The IPv6 block.</param>
    /// <param name="Offset">The bit at which the IPv4 address starts (96: the last 32 bits).</param>
    /// <param name="Name">The form and where it is defined, for messages.</param>
    /// <param name="OnTheWire">True when packets carry such addresses as their destination, so a firewall matches them:
    /// the NAT64 well-known prefix and 6to4. Mapped and compatible addresses are not routed, and a local-use NAT64 prefix
    /// is the operator's own, translated to IPv4 at its gateway.</param>
    public sealed record Form(IpPrefix Block, int Offset, string Name, bool OnTheWire);

    // An array, so the DNS answer path walks it without an enumerator.
    private static readonly Form[] s_forms =
    [
        new(IpPrefix.IPv4Mapped, 96, "IPv4-mapped prefix ::ffff:0:0/96 (RFC 4291)", false),
        new(IpPrefix.Parse("::/96"), 96, "IPv4-compatible prefix ::/96 (RFC 4291)", false),
        new(IpPrefix.Nat64WellKnown, 96, "NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)", true),
        new(IpPrefix.Parse("64:ff9b:1::/48"), 96, "NAT64 local-use prefix 64:ff9b:1::/48 (RFC 8215)", false),
        new(IpPrefix.Parse("2002::/16"), 16, "6to4 prefix 2002::/16 (RFC 3056)", true),
    ];

    /// <summary>The forms, in the order they are tried; no two overlap.</summary>
    public static IReadOnlyList<Form> Forms => s_forms;

    /// <summary>The IPv4 address an IPv6 address (16 bytes, network order) carries, if it lies in one of the
    /// <see cref="Forms"/>.</summary>
    public static bool TryGetAddress(ReadOnlySpan<byte> ipv6, out uint ipv4)
    {
        ipv4 = 0;
        if (ipv6.Length != 16)
        {
            return false;
        }

        UInt128 bits = BinaryPrimitives.ReadUInt128BigEndian(ipv6);
        foreach (Form form in s_forms)
        {
            int length = form.Block.PrefixLength;
            if ((bits & (UInt128.MaxValue << (128 - length))) == form.Block.NetworkBits)
            {
                ipv4 = (uint)(bits >> (128 - form.Offset - 32));
                return true;
            }
        }

        return false;
    }

    /// <summary>The IPv4 prefixes an IPv6 prefix stands for, one per form it overlaps: the IPv4 prefix of the bits it
    /// fixes when it lies inside a form (a 6to4 /48 or longer is one IPv4 host), all of IPv4 when it covers a form or
    /// fixes none of the IPv4 bits.</summary>
    public static List<(Form Form, IpPrefix IPv4)> Of(IpPrefix prefix)
    {
        var found = new List<(Form, IpPrefix)>();
        if (!prefix.IsIPv6)
        {
            return found;
        }

        foreach (Form form in s_forms)
        {
            if (form.Block.Contains(prefix))
            {
                int length = Math.Clamp(prefix.PrefixLength - form.Offset, 0, 32);
                uint address = (uint)(prefix.NetworkBits >> (128 - form.Offset - 32));
                found.Add((form, IpPrefix.FromBits(address, length, isIPv6: false)));
            }
            else if (prefix.Contains(form.Block))
            {
                found.Add((form, IpPrefix.FromBits(0, 0, isIPv6: false)));
            }
        }

        return found;
    }

    /// <summary>The IPv6 prefixes an IPv4 prefix is written as in the forms packets carry (<see cref="Form.OnTheWire"/>):
    /// what a firewall adds to its IPv6 set so the IPv4 order holds against those spellings too.</summary>
    public static IEnumerable<IpPrefix> OnTheWire(IpPrefix ipv4)
    {
        if (ipv4.IsIPv6)
        {
            yield break;
        }

        foreach (Form form in s_forms)
        {
            if (form.OnTheWire)
            {
                UInt128 bits = form.Block.NetworkBits | ((UInt128)(uint)ipv4.NetworkBits << (128 - form.Offset - 32));
                yield return IpPrefix.FromBits(bits, form.Offset + ipv4.PrefixLength, isIPv6: true);
            }
        }
    }
}
