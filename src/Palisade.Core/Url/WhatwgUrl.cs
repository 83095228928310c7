using System.Globalization;
using System.Text;

namespace Palisade.Core.Url;

/// <summary>
/// A URL record of the WHATWG URL Standard §4.1, produced by <see cref="WhatwgUrlParser"/>. Components are kept
/// exactly as the standard defines them, so that <see cref="Serialize"/> is the URL serializer (§4.5).
/// </summary>
public sealed class WhatwgUrl
{
    internal WhatwgUrl()
    {
    }

    /// <summary>The scheme, lower-case ASCII, without the colon.</summary>
    public string Scheme { get; internal set; } = string.Empty;

    /// <summary>The percent-encoded username, or the empty string.</summary>
    public string Username { get; internal set; } = string.Empty;

    /// <summary>The percent-encoded password, or the empty string.</summary>
    public string Password { get; internal set; } = string.Empty;

    /// <summary>The serialised host (domain, IPv4, [IPv6], opaque or empty host), or null when the URL has none.</summary>
    public string? Host { get; internal set; }

    /// <summary>The port, or null when absent or the scheme's default.</summary>
    public int? Port { get; internal set; }

    /// <summary>The opaque path (for URLs such as <c>mailto:</c>), or null when the path is a list of segments.</summary>
    public string? OpaquePath { get; internal set; }

    /// <summary>The path segments, when the path is not opaque.</summary>
    public IReadOnlyList<string> PathSegments => Segments;

    /// <summary>The query without its '?', or null.</summary>
    public string? Query { get; internal set; }

    /// <summary>The fragment without its '#', or null.</summary>
    public string? Fragment { get; internal set; }

    internal List<string> Segments { get; set; } = [];

    /// <summary>True for the special schemes of §4.2: ftp, file, http, https, ws, wss.</summary>
    public bool IsSpecial => IsSpecialScheme(Scheme);

    /// <summary>The href: the URL serializer of §4.5.</summary>
    public string Href => Serialize(excludeFragment: false);

    /// <summary>The <c>protocol</c> getter of the URL API: the scheme and a colon.</summary>
    public string Protocol => Scheme + ":";

    /// <summary>The <c>host</c> getter: host and port.</summary>
    public string HostAndPort => Host is null ? string.Empty : Port is null ? Host : Host + ":" + Port.Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>pathname</c> getter: the URL path serializer.</summary>
    public string Pathname
    {
        get
        {
            if (OpaquePath is not null)
            {
                return OpaquePath;
            }

            var output = new StringBuilder();
            foreach (var segment in Segments)
            {
                output.Append('/').Append(segment);
            }

            return output.ToString();
        }
    }

    /// <summary>The <c>search</c> getter: empty, or '?' and the query.</summary>
    public string Search => string.IsNullOrEmpty(Query) ? string.Empty : "?" + Query;

    /// <summary>The <c>hash</c> getter: empty, or '#' and the fragment.</summary>
    public string Hash => string.IsNullOrEmpty(Fragment) ? string.Empty : "#" + Fragment;

    /// <summary>The ASCII serialisation of the URL's origin (HTML "serialization of an origin"), "null" for an opaque origin.</summary>
    public string Origin
    {
        get
        {
            switch (Scheme)
            {
                case "blob":
                    var inner = OpaquePath is not null || Segments.Count > 0 ? WhatwgUrlParser.Parse(Pathname, null, out _) : null;
                    return inner is not null && (inner.Scheme is "http" or "https") ? inner.Origin : "null";
                case "ftp" or "http" or "https" or "ws" or "wss":
                    return Scheme + "://" + HostAndPort;
                default:
                    return "null";
            }
        }
    }

    /// <summary>The default port of a special scheme, or null.</summary>
    public static int? DefaultPort(string scheme) => scheme switch
    {
        "ftp" => 21,
        "http" or "ws" => 80,
        "https" or "wss" => 443,
        _ => null,
    };

    internal static bool IsSpecialScheme(string scheme) => scheme is "ftp" or "file" or "http" or "https" or "ws" or "wss";

    /// <summary>The URL serializer (§4.5).</summary>
    public string Serialize(bool excludeFragment)
    {
        var output = new StringBuilder(Scheme.Length + 32);
        output.Append(Scheme).Append(':');
        if (Host is not null)
        {
            output.Append("//");
            if (Username.Length > 0 || Password.Length > 0)
            {
                output.Append(Username);
                if (Password.Length > 0)
                {
                    output.Append(':').Append(Password);
                }

                output.Append('@');
            }

            output.Append(Host);
            if (Port is not null)
            {
                output.Append(':').Append(Port.Value.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (Host is null && OpaquePath is null && Segments.Count > 1 && Segments[0].Length == 0)
        {
            output.Append("/.");
        }

        output.Append(Pathname);
        if (Query is not null)
        {
            output.Append('?').Append(Query);
        }

        if (!excludeFragment && Fragment is not null)
        {
            output.Append('#').Append(Fragment);
        }

        return output.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Href;
}
