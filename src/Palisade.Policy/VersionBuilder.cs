using System.Globalization;
using System.Security.Cryptography;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The one builder of a registry version: from the order book's change since the version before, the bundle (every
/// entry) and the delta (what was removed and added, naming the bundle's SHA-256), both bytes and hashes. The registry
/// publishes with it, accepts a version another node published with it, rebuilds lost files with it, and anyone holding
/// the public log rebuilds a version with it (<see cref="Replay(string, IEnumerable{ValueTuple{ulong, byte[]}}, Func{ulong, byte[]}, ulong)"/>): version n is a pure function of the log.
/// </summary>
public static class VersionBuilder
{
    /// <summary>Builds version <paramref name="version"/>, covering the first <paramref name="logSize"/> log entries.</summary>
    /// <param name="origin">The log origin (the registry id in the files).</param>
    /// <param name="version">The version number.</param>
    /// <param name="logSize">The log entries it covers.</param>
    /// <param name="root">The root hash of those entries.</param>
    /// <param name="change">The order book's change since version <paramref name="version"/> − 1.</param>
    public static BuiltVersion Build(string origin, ulong version, ulong logSize, byte[] root, PolicyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var bundle = new PolicyBundle(origin, version, logSize, root, change.LogTimeMs, change.Entries);
        byte[] bundleBytes = bundle.ToBytes();
        byte[] bundleHash = SHA256.HashData(bundleBytes);
        byte[] deltaBytes = new PolicyDelta(origin, version, version - 1, logSize, root, change.LogTimeMs, bundleHash, change.Removed, change.Added).ToBytes();
        return new BuiltVersion(bundle, bundleBytes, bundleHash, deltaBytes, SHA256.HashData(deltaBytes), change);
    }

    /// <summary>
    /// Rebuilds version <paramref name="version"/> from log entries: the registry logs each publication as a
    /// <c>version.published</c> event right after the prefix the version covers, so replaying the events before it
    /// through an <see cref="OrderBook"/> (accepting version n − 1 on the way, for the delta) gives its files.
    /// </summary>
    /// <param name="origin">The log origin.</param>
    /// <param name="entries">The log's entries in index order, already verified.</param>
    /// <param name="root">The root hash of the first n entries.</param>
    /// <param name="version">The version to rebuild.</param>
    /// <returns>The version, and the event that published it (with the hashes the log holds).</returns>
    /// <exception cref="VersionNotInLogException">The log publishes no such version.</exception>
    /// <exception cref="FormatException">The log holds malformed events, or the version's event is not where it says.</exception>
    public static (BuiltVersion Version, VersionPublished Published) Replay(string origin, IEnumerable<(ulong Index, byte[] Entry)> entries, Func<ulong, byte[]> root, ulong version) =>
        Replay(origin, entries, root, version, new OrderBook(), null);

    /// <summary>
    /// Rebuilds version <paramref name="version"/> as <see cref="Replay(string, IEnumerable{ValueTuple{ulong, byte[]}}, Func{ulong, byte[]}, ulong)"/>
    /// does, resuming from <paramref name="book"/>: a book read from the snapshot of an earlier version v, with
    /// <paramref name="entries"/> starting at the index of v's <c>version.published</c> event (v's log size).
    /// </summary>
    /// <param name="origin">The log origin.</param>
    /// <param name="entries">Verified log entries in index order, from where <paramref name="book"/> stands.</param>
    /// <param name="root">The root hash of the first n entries.</param>
    /// <param name="version">The version to rebuild.</param>
    /// <param name="book">Where to start: a new book, or one read from a snapshot.</param>
    /// <param name="snapshot">Called with an earlier version and the book standing right at it (that version accepted,
    /// its <c>version.published</c> event not yet applied) when it returns a writer to snapshot the book to; null: none.</param>
    public static (BuiltVersion Version, VersionPublished Published) Replay(string origin, IEnumerable<(ulong Index, byte[] Entry)> entries, Func<ulong, byte[]> root,
        ulong version, OrderBook book, Func<ulong, Action<OrderBook>?>? snapshot)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(book);
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

                    return (Build(origin, version, published.LogSize, root(published.LogSize), book.Prepare()), published);
                }

                // Accepting an earlier version on the way changes nothing that follows (the registry accepts every one);
                // it is needed for the delta of the next one, and for a snapshot.
                Action<OrderBook>? take = published.Version < version ? snapshot?.Invoke(published.Version) : null;
                if (published.Version + 1 == version || take is not null)
                {
                    book.Accept(book.Prepare());
                }

                take?.Invoke(book);
            }

            book.Apply(evt);
        }

        throw new VersionNotInLogException(string.Create(CultureInfo.InvariantCulture, $"the log publishes no version {version} (the latest is {latest})"));
    }

    /// <summary>Rebuilds bundle <paramref name="version"/> from verified log entries and the Merkle tree over them.</summary>
    /// <returns>The bundle and the bundle hash the log published for that version.</returns>
    /// <exception cref="VersionNotInLogException">The log publishes no such version.</exception>
    /// <exception cref="FormatException">The log holds malformed events.</exception>
    public static (PolicyBundle Bundle, string PublishedSha256) Rebuild(string origin, IEnumerable<(ulong Index, byte[] Entry)> entries, IMerkleNodeSource tree, ulong version)
    {
        (BuiltVersion built, VersionPublished published) = Replay(origin, entries, size => MerkleProofBuilder.Root(tree, size), version);
        return (built.Bundle, published.Bundle);
    }
}
