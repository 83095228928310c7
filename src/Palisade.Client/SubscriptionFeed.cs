using System.Globalization;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>Which signed versions a <see cref="PolicySubscription"/> follows: the registry's bundles (every enforcement
/// point) or another feed of the same versions in the same formats, such as the delisting feed.</summary>
/// <param name="LatestPath">The path that redirects to the latest version (long-polled with <c>?after=&amp;wait=</c>).</param>
/// <param name="FilePath">The path of version {0}'s file; its signature is at the same path plus <c>.sig</c>.</param>
/// <param name="DeltaPath">The path of version {0}'s delta from the version before.</param>
/// <param name="FileKind">The signature kind of a file.</param>
/// <param name="DeltaKind">The signature kind of a delta.</param>
/// <param name="CacheName">The cache file's name in the cache directory.</param>
public sealed record SubscriptionFeed(string LatestPath, string FilePath, string DeltaPath, string FileKind, string DeltaKind, string CacheName)
{
    /// <summary>The registry's bundles and deltas.</summary>
    public static SubscriptionFeed Bundles { get; } = new("v1/bundles/latest", "v1/bundles/{0}", "v1/deltas/{0}", "bundle", "delta", "bundle");

    /// <summary>The delisting feed (<see cref="DelistingFeed"/>): its versions, deltas and signature kinds.</summary>
    public static SubscriptionFeed Delisting { get; } = new("v1/delisting/latest", "v1/delisting/{0}", "v1/delisting/deltas/{0}", DelistingFeed.FileKind,
        DelistingFeed.DeltaKind, "delisting");

    internal string File(ulong version) => string.Format(CultureInfo.InvariantCulture, FilePath, version);

    internal string Delta(ulong version) => string.Format(CultureInfo.InvariantCulture, DeltaPath, version);
}
