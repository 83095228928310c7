using System.Diagnostics.CodeAnalysis;
using Palisade.Core;

namespace Palisade.Registry;

/// <summary>A resource an order may cover only with a logged override: a name, every name below a name, or an IP prefix.</summary>
internal readonly record struct ProtectedResource(DomainPattern? Pattern, IpPrefix? Prefix)
{
    /// <summary>Root servers and the largest shared CDN ranges, whose blocking takes out unrelated sites (Russia 2018,
    /// Italy 2024). Operators extend the list with <see cref="RegistryOptions.ProtectedResources"/>.</summary>
    public static readonly string[] Defaults =
    [
        "*.root-servers.net", "root-servers.net", "*.gtld-servers.net",
        "198.41.0.4/32", "170.247.170.2/32", "192.33.4.12/32", "199.7.91.13/32", "192.203.230.10/32", "192.5.5.241/32",
        "192.112.36.4/32", "198.97.190.53/32", "192.36.148.17/32", "192.58.128.30/32", "193.0.14.129/32", "199.7.83.42/32",
        "202.12.27.33/32", "2001:503:ba3e::2:30/128", "2801:1b8:10::b/128", "2001:500:2::c/128", "2001:500:2d::d/128",
        "2001:500:a8::e/128", "2001:500:2f::f/128", "2001:500:12::d0d/128", "2001:500:1::53/128", "2001:7fe::53/128",
        "2001:503:c27::2:30/128", "2001:7fd::1/128", "2001:500:9f::42/128", "2001:dc3::35/128",
        "104.16.0.0/13", "172.64.0.0/13", "2606:4700::/32", "*.cloudfront.net", "*.amazonaws.com", "*.googleusercontent.com",
        "*.azureedge.net", "*.akamaiedge.net", "*.fastly.net",
    ];

    public static bool TryParse(string text, out ProtectedResource resource, [NotNullWhen(false)] out string? error)
    {
        resource = default;
        if (text.Contains(':', StringComparison.Ordinal) || (text.Length > 0 && char.IsAsciiDigit(text[^1]) && text.Contains('/', StringComparison.Ordinal)))
        {
            if (IpPrefix.TryParse(text, out IpPrefix prefix, out error))
            {
                resource = new ProtectedResource(null, prefix);
                return true;
            }

            return false;
        }

        if (DomainPattern.TryParse(text, out DomainPattern pattern, out error))
        {
            resource = new ProtectedResource(pattern, null);
            return true;
        }

        return false;
    }

    /// <summary>Whether a target pattern covers any name this resource covers.</summary>
    public bool Overlaps(DomainPattern target)
    {
        if (Pattern is not DomainPattern p)
        {
            return false;
        }

        return (p.IsWildcard, target.IsWildcard) switch
        {
            (false, false) => p.Name == target.Name,
            (false, true) => p.Name.IsBelow(target.Name),
            (true, false) => target.Name.IsBelow(p.Name),
            (true, true) => target.Name.IsAtOrBelow(p.Name) || p.Name.IsBelow(target.Name),
        };
    }

    /// <summary>Whether a target prefix and this resource share any address.</summary>
    public bool Overlaps(IpPrefix target) => Prefix is IpPrefix p && p.IsIPv6 == target.IsIPv6 && (p.Contains(target) || target.Contains(p));

    public override string ToString() => Pattern?.ToString() ?? Prefix!.Value.ToString();
}
