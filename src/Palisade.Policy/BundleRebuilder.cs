using System.Globalization;
using Palisade.Log.Events;
using Palisade.Log;
using Palisade.Core;

namespace Palisade.Policy;

/// <summary>
/// Rebuilds a registry version from the public log alone. The registry logs each publication as a
/// <c>version.published</c> event right after the prefix the version covers; replaying the events before it through
/// <see cref="OrderBook"/> gives the version's entries, and the bundle's bytes follow.
/// </summary>
public static class BundleRebuilder
{
    /// <summary>Rebuilds bundle <paramref name="version"/> from verified log entries.</summary>
    /// <param name="origin">The log origin (the registry id in the bundle).</param>
    /// <param name="entries">The log's entries in index order, already verified against a signed checkpoint.</param>
    /// <param name="tree">The Merkle tree of those entries.</param>
    /// <param name="version">The version to rebuild.</param>
    /// <returns>The bundle and the bundle hash the log published for that version.</returns>
    /// <exception cref="VersionNotInLogException">The log publishes no such version.</exception>
    /// <exception cref="FormatException">The log holds malformed events.</exception>
    public static (PolicyBundle Bundle, string PublishedSha256) Rebuild(string origin, IEnumerable<(ulong Index, byte[] Entry)> entries, IMerkleNodeSource tree, ulong version)
    {
        var book = new OrderBook();
        ulong latest = 0;
        foreach ((ulong index, _, LogEvent evt) in LogEvents.Join(entries))
        {
            if (evt is VersionPublished published)
            {
                latest = published.Version;
                if (published.Version == version)
                {
                    if (published.LogSize != index)
                    {
                        throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"version {version} is published at log index {index} but claims to cover {published.LogSize} entries"));
                    }

                    PolicyChange change = book.Prepare();
                    var bundle = new PolicyBundle(origin, version, published.LogSize, MerkleProofBuilder.Root(tree, published.LogSize), change.LogTimeMs, change.Entries);
                    return (bundle, published.Bundle);
                }
            }

            book.Apply(evt);
        }

        throw new VersionNotInLogException(string.Create(CultureInfo.InvariantCulture, $"the log publishes no version {version} (the latest is {latest})"));
    }
}
