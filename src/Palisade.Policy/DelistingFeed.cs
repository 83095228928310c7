using System.Security.Cryptography;
using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The delisting feed a search engine follows: each registry version restricted to the targets that name web content
/// (URLs, names and name patterns; address prefixes are left to the firewall and to <c>POST /v1/delisting/check</c>),
/// in the bundle and delta formats. A feed file has the version's header (registry, version, log size and root), so the
/// subscription checks it against the log exactly as it checks a bundle. Feed files are signed with the log key as
/// <see cref="FileKind"/> and <see cref="DeltaKind"/>, so a bundle's signature never passes for a feed's.
/// </summary>
public static class DelistingFeed
{
    /// <summary>The signature kind of a feed version.</summary>
    public const string FileKind = "delisting";

    /// <summary>The signature kind of a feed delta.</summary>
    public const string DeltaKind = "delisting-delta";

    /// <summary>True for an entry the feed holds.</summary>
    public static bool Includes(BundleEntry entry) => entry.Kind != TargetKind.Prefix;

    /// <summary>The feed of version <paramref name="bundle"/>.</summary>
    public static PolicyBundle Of(PolicyBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new PolicyBundle(bundle.Registry, bundle.Version, bundle.LogSize, bundle.LogRoot, bundle.LogTimeMs, [.. bundle.Entries.Where(Includes)]);
    }

    /// <summary>The feed's delta for a version's delta; <paramref name="feedSha256"/> is the SHA-256 of the feed it leads to.</summary>
    public static PolicyDelta Of(PolicyDelta delta, byte[] feedSha256)
    {
        ArgumentNullException.ThrowIfNull(delta);
        return new PolicyDelta(delta.Registry, delta.Version, delta.FromVersion, delta.LogSize, delta.LogRoot, delta.LogTimeMs, feedSha256,
            [.. delta.Removed.Where(Includes)], [.. delta.Added.Where(Includes)]);
    }

    /// <summary>SHA-256 of the feed of <paramref name="bundle"/>.</summary>
    public static byte[] Hash(PolicyBundle bundle) => SHA256.HashData(Of(bundle).ToBytes());
}
