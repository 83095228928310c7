using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>The list formats <c>palisade export</c> writes (docs/formats.md).</summary>
public enum ExportFormat
{
    /// <summary>A DNS response policy zone: QNAME triggers for names and wildcards, rpz-ip triggers for prefixes.</summary>
    Rpz,

    /// <summary>A hosts file: exact names on 0.0.0.0.</summary>
    Hosts,

    /// <summary>dnsmasq configuration: exact names as host records on the unspecified address, wildcards as NXDOMAIN.</summary>
    Dnsmasq,

    /// <summary>nftables interval sets of the IPv4 and IPv6 prefixes.</summary>
    Nftables,

    /// <summary>An Adblock Plus filter list.</summary>
    Abp,

    /// <summary>Comma-separated values, one row per entry.</summary>
    Csv,

    /// <summary>JSON lines of URL and domain targets for search-engine delisting.</summary>
    Delisting,
}
