namespace Palisade.Core;

/// <summary>What an order target names.</summary>
public enum TargetKind
{
    /// <summary>One domain name.</summary>
    Domain,

    /// <summary>Every name strictly below a domain name (<c>*.example.com</c>).</summary>
    Pattern,

    /// <summary>One http/https URL (and, when its path ends in '/', every URL below that path).</summary>
    Url,

    /// <summary>An IPv4 or IPv6 prefix (a host is /32 or /128).</summary>
    Prefix,
}
