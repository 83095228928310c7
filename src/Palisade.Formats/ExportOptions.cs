using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>Settings of an export.</summary>
public sealed record ExportOptions
{
    /// <summary>The RPZ zone's origin (default <c>rpz.palisade</c>).</summary>
    public string Zone { get; init; } = "rpz.palisade";

    /// <summary>When set, RPZ triggers answer a CNAME to this block-page host instead of NXDOMAIN.</summary>
    public string? BlockPage { get; init; }

    /// <summary>The registry's base URL, for links to order pages (<c>{url}/orders/{reference}</c>); null leaves them out.</summary>
    public Uri? Registry { get; init; }

    /// <summary>The TTL of RPZ records, in seconds.</summary>
    public int Ttl { get; init; } = 300;
}
