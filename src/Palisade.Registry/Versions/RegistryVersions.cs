using System.Security.Cryptography;
using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Registry.Api;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// Registry versions: each a pure function of the log, published by one process when orders change, accepted by the
/// others as they follow the log; their bundle and delta files, kept content-addressed with a retention setting and
/// rebuilt from the log on request; and long polls for the next version.
/// </summary>
internal sealed class RegistryVersions : IDisposable
{
    private readonly RegistryContext _context;
    private readonly VersionFiles _files;

    public RegistryVersions(RegistryContext context)
    {
        _context = context;
        _files = new VersionFiles(context.Options.DataDirectory, context.Log.Signer);
        context.Writer.VersionFollowed = (index, published) => AcceptVersion(published.Version, published.LogSize, (long)index,
            Convert.FromHexString(published.Bundle), Convert.FromHexString(published.Delta), published.Time.ToUnixTimeMilliseconds());
    }

    private VersionPublisher? _publisher;
    private RegistryVersion? _latestVersion;
    private TaskCompletionSource _versionPublished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The latest published registry version; null before the first.</summary>
    public RegistryVersion? LatestVersion => Volatile.Read(ref _latestVersion);

    /// <summary>Why the last background publication failed; null when it did not.</summary>
    public string? PublishError => _publisher?.LastError;

    /// <summary>Where bundle and delta files are kept.</summary>
    public string BundleDirectory => _files.Directory;

    /// <summary>The path of a version's bundle (<paramref name="kind"/> "bundle") or delta ("delta") file.</summary>
    public string VersionFile(ulong version, string kind) => _files.PathOf(version, kind);

    /// <summary>How many times a publication is prepared outside the writer lock and found overtaken (a write landed
    /// meanwhile) before it is prepared under the lock instead.</summary>
    internal const int OptimisticAttempts = 3;

    /// <summary>Publications prepared under the writer lock because writes kept overtaking the ones prepared outside.</summary>
    internal long LockedPublications => Interlocked.Read(ref _lockedPublications);

    private long _lockedPublications;

    /// <summary>
    /// Publishes a new registry version if the active entries changed since the last one: writes the bundle and the
    /// delta with their signatures, then logs <c>version.published</c> (version, log size covered, both hashes).
    /// </summary>
    /// <remarks>
    /// The version covers the whole log at the moment <c>version.published</c> is appended, as before; what takes time
    /// (merging every entry, serialising and hashing the bundle, writing the files) is done outside the writer lock
    /// from a snapshot of the order book, and the writer lock is held only to copy what changed and, later, to check
    /// that the log has not grown since and append the event. When it has grown, the work is redone; after
    /// <see cref="OptimisticAttempts"/> tries it is done under the lock, so that a steady stream of writes cannot
    /// starve publication.
    /// </remarks>
    /// <returns>The new version, or null when nothing changed.</returns>
    public RegistryVersion? PublishVersion()
    {
        RegistryWriter writer = _context.Writer;
        for (int attempt = 0; attempt < OptimisticAttempts; attempt++)
        {
            (ulong size, byte[] root, ulong version, PendingVersion pending) = writer.Locked(() =>
                (_context.Log.Size, _context.Log.Root(_context.Log.Size), NextVersion, writer.Book.Snapshot()));
            Prepared? prepared = Prepare(version, size, root, pending.Prepare());
            if (prepared is null)
            {
                return null;
            }

            PreparedOutsideLock?.Invoke(attempt);
            (bool overtaken, RegistryVersion? published) = Append(prepared);
            if (!overtaken)
            {
                return published;
            }
        }

        Interlocked.Increment(ref _lockedPublications);
        return Append(null).Published;
    }

    /// <summary>Runs (for tests) when a version was prepared outside the writer lock, before it is appended.</summary>
    internal Action<int>? PreparedOutsideLock { get; set; }

    private ulong NextVersion => (LatestVersion?.Version ?? 0) + 1;

    /// <summary>The next version's bytes and hashes, its files written; null when nothing changed.</summary>
    private Prepared? Prepare(ulong version, ulong size, byte[] root, PolicyChange change)
    {
        if (change.IsEmpty)
        {
            return null;
        }

        BuiltVersion built = VersionBuilder.Build(_context.Log.Origin, version, size, root, change);
        if (KeepsFullBundle(version))
        {
            _files.WriteSigned(built.BundleBytes, version, "bundle");
        }

        // A version prepared but not published (overtaken, or the process stopped) leaves files under its number; the
        // version published under that number always writes its own first.
        _files.WriteSigned(built.DeltaBytes, version, "delta");
        var latest = new LatestBundle(version, built.BundleBytes, built.BundleSha256, _files.Signature(built.BundleBytes, version, "bundle"));
        return new Prepared(version, size, change, built.BundleSha256, built.DeltaSha256, latest);
    }

    /// <summary>Appends <c>version.published</c> for <paramref name="prepared"/> unless the log grew since it was
    /// prepared (then Overtaken); with null, prepares the version under the writer lock.</summary>
    private (bool Overtaken, RegistryVersion? Published) Append(Prepared? prepared)
    {
        return _context.Writer.Write<(bool, RegistryVersion?)>((session, log) =>
        {
            ulong size = _context.Log.Size;
            if (prepared is null)
            {
                prepared = Prepare(NextVersion, size, _context.Log.Root(size), _context.Writer.Book.Prepare());
                if (prepared is null)
                {
                    return (false, null);
                }
            }
            else if (prepared.Size != size || prepared.Version != NextVersion)
            {
                return (true, null);
            }

            long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
            (long index, _) = log(new VersionPublished
            {
                Time = DateTimeOffset.FromUnixTimeMilliseconds(now),
                Version = prepared.Version,
                LogSize = size,
                Entries = prepared.Change.Entries.Length,
                Bundle = Convert.ToHexStringLower(prepared.BundleHash),
                Delta = Convert.ToHexStringLower(prepared.DeltaHash),
            });
            var published = new RegistryVersion(prepared.Version, size, index, prepared.BundleHash, prepared.DeltaHash, prepared.Change.Entries.Length, now);
            session.InsertVersion(published);
            return (false, published);
        },
        committed: result =>
        {
            if (result.Item2 is { } published)
            {
                _context.Writer.Book.Accept(prepared!.Change);
                Volatile.Write(ref _latestBundle, prepared.Latest);
                Volatile.Write(ref _latestVersion, published);
                Interlocked.Exchange(ref _versionPublished, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        },
        alone: true);
    }

    private sealed record Prepared(ulong Version, ulong Size, PolicyChange Change, byte[] BundleHash, byte[] DeltaHash, LatestBundle Latest);

    /// <summary>The bytes and signature of the latest version's bundle, served from memory (its file is written only at
    /// the retention points); null before the first version.</summary>
    internal LatestBundle? CurrentBundle => Volatile.Read(ref _latestBundle);

    private LatestBundle? _latestBundle;

    /// <summary>Whether version <paramref name="version"/>'s full bundle is kept as a file (version 1 and every
    /// <see cref="RegistryOptions.FullBundleEvery"/>-th); the others are served from memory while latest, then rebuilt
    /// from the log on request.</summary>
    private bool KeepsFullBundle(ulong version) => version == 1 || version % (ulong)_context.Options.FullBundleEvery == 0;

    /// <summary>The first published version whose bundle has this SHA-256; null when there is none.</summary>
    public RegistryVersion? VersionWithBundle(byte[] sha256)
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.VersionWithBundle(sha256);
    }

    /// <summary>A published version by number; null when there is none.</summary>
    public RegistryVersion? GetVersion(ulong version)
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.GetVersion(version);
    }

    /// <summary>Waits until a version newer than <paramref name="after"/> exists, at most <paramref name="wait"/>.</summary>
    /// <returns>The latest version, which may still be <paramref name="after"/> or older when the wait ran out.</returns>
    public async Task<RegistryVersion?> WaitForVersionAsync(ulong after, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        while (true)
        {
            Task published = Volatile.Read(ref _versionPublished).Task;
            RegistryVersion? latest = LatestVersion;
            if (latest is not null && latest.Version > after)
            {
                return latest;
            }

            try
            {
                await published.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return LatestVersion;
            }
        }
    }

    /// <summary>Starts publishing versions when orders change (while this process holds the publisher claim).</summary>
    public void StartPublisher(RegistryNodes nodes)
    {
        nodes.TryClaimPublisher();
        _publisher = new VersionPublisher(this, nodes, _context.Options.PublishDelay);
        _context.Writer.OrdersChanged = _publisher.OrderChanged;
        if (!_context.Writer.Book.Prepare().IsEmpty)
        {
            // Changes logged after the last version (a crash before it was published) are published now.
            _publisher.OrderChanged();
        }
    }

    /// <summary>Replays the log into the order book, accepting the latest published version at the log size it
    /// covers, and checks that its stored files are what the log says they are.</summary>
    public void Load()
    {
        RegistryVersion? latest;
        using (RegistrySession session = _context.Store.OpenRead())
        {
            latest = session.LatestVersion();
        }

        bool accepted = latest is null;
        var derived = new DerivedTables();
        foreach ((ulong index, int entries, LogEvent evt) in LogEvents.Join(ReadEntries(0)))
        {
            if (!accepted && index >= latest!.LogSize)
            {
                AcceptStored(latest);
                accepted = true;
            }

            _context.Writer.Book.Apply(evt);
            derived.Apply(index, entries, evt);
        }

        // Everything in the query tables is derived from the log: what the log does not say is refused here, before
        // the registry serves any of it.
        using (RegistrySession session = _context.Store.OpenRead(snapshot: true))
        {
            derived.Verify(session, _context.Store.Description);
        }

        if (!accepted)
        {
            AcceptStored(latest!);
        }

        _latestVersion = latest;
    }

    private void AcceptStored(RegistryVersion version) =>
        AcceptVersion(version.Version, version.LogSize, version.LogIndex, version.BundleSha256, version.DeltaSha256, version.TimeMs);

    /// <summary>
    /// Accepts version <paramref name="version"/>, which the log published (this node or another): rebuilds it from the
    /// order book, refuses it unless it hashes to what the log says, rewrites a missing or damaged bundle or delta file
    /// (they are derived data), and makes it the latest.
    /// </summary>
    private void AcceptVersion(ulong version, ulong logSize, long logIndex, byte[] bundleSha256, byte[] deltaSha256, long timeMs)
    {
        PolicyChange change = _context.Writer.Book.Prepare();
        BuiltVersion built = VersionBuilder.Build(_context.Log.Origin, version, logSize, _context.Log.Root(logSize), change);
        byte[] bundleBytes = built.BundleBytes;
        byte[] rebuilt = built.BundleSha256;
        if (!rebuilt.AsSpan().SequenceEqual(bundleSha256))
        {
            throw new RegistryConfigurationException($"version {version} rebuilt from the first {logSize} log entries has SHA-256 {Convert.ToHexStringLower(rebuilt)}, but the log published {Convert.ToHexStringLower(bundleSha256)}");
        }

        byte[] deltaBytes = built.DeltaBytes;
        byte[] deltaHash = built.DeltaSha256;
        if (KeepsFullBundle(version))
        {
            _files.RewriteIfDamaged(bundleBytes, rebuilt, version, "bundle");
        }

        Volatile.Write(ref _latestBundle, new LatestBundle(version, bundleBytes, rebuilt, _files.Signature(bundleBytes, version, "bundle")));
        if (deltaHash.AsSpan().SequenceEqual(deltaSha256))
        {
            // A delta depends on the version accepted before; after a restart that is not the previous version, so a
            // delta is rewritten only when it comes out as the log published it.
            _files.RewriteIfDamaged(deltaBytes, deltaHash, version, "delta");
        }

        _context.Writer.Book.Accept(change);
        Volatile.Write(ref _latestVersion, new RegistryVersion(version, logSize, logIndex, bundleSha256, deltaSha256, change.Entries.Length, timeMs));
        Interlocked.Exchange(ref _versionPublished, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>The most rebuilds of old versions running at once (each replays log events on one core).</summary>
    public const int MaxConcurrentRebuilds = 1;

    /// <summary>The most rebuilds waiting for their turn; beyond them a request is answered 503 with Retry-After.</summary>
    public const int MaxQueuedRebuilds = 16;

    /// <summary>How long a rebuild waits for its turn before its request is answered 503 with Retry-After.</summary>
    public static readonly TimeSpan MaxRebuildWait = TimeSpan.FromSeconds(60);

    private readonly Turns _rebuildTurns = new(MaxConcurrentRebuilds, MaxQueuedRebuilds, MaxRebuildWait, () =>
        new RegistryProblem(503, "busy", "Too many old versions asked for at once",
            $"at most {MaxConcurrentRebuilds} old versions are rebuilt from the log at once and {MaxQueuedRebuilds} wait; try again shortly") { RetryAfterSeconds = 5 });

    private readonly Dictionary<ulong, Task<bool>> _rebuilding = [];
    private long _entriesReplayed;

    /// <summary>The turns rebuilds take (tests hold them to see what waits and what is refused).</summary>
    internal Turns RebuildTurns => _rebuildTurns;

    /// <summary>Log entries read by rebuilds of old versions since start.</summary>
    public long EntriesReplayed => Interlocked.Read(ref _entriesReplayed);
    private Lazy<RebuildCache>? _cache;

    /// <summary>Where rebuilt files and order book snapshots are kept, within <see cref="RegistryOptions.RebuildCacheBytes"/>.</summary>
    internal RebuildCache Cache => LazyInitializer.EnsureInitialized(ref _cache,
        // Made once: the constructor clears temporary files, which a second one running beside a rebuild would take.
        () => new Lazy<RebuildCache>(() => new RebuildCache(Path.Combine(_files.Directory, "rebuilt"), _context.Options.RebuildCacheBytes),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>A version's bundle or delta file as this node keeps it (the retention files, then the rebuild cache);
    /// null when it keeps none. The latest bundle, served from memory, has no file between retention points.</summary>
    public string? StoredFile(ulong version, string kind)
    {
        string kept = _files.PathOf(version, kind);
        if (File.Exists(kept) && File.Exists(kept + ".sig"))
        {
            return kept;
        }

        return Cache.TryUse(RebuildCache.FileName(version, kind), signed: true, out string cached) ? cached : null;
    }

    /// <summary>The bytes of version <paramref name="version"/>'s <paramref name="kind"/> ("bundle" or "delta"): the latest
    /// bundle from memory, others from their files, rebuilt from the log when not kept here.</summary>
    /// <exception cref="RegistryProblem">503: too many rebuilds at once.</exception>
    public async Task<byte[]> FileBytesAsync(ulong version, string kind, CancellationToken cancellationToken)
    {
        if (kind == "bundle" && CurrentBundle is { } latest && latest.Version == version)
        {
            return latest.Bytes;
        }

        string? path = StoredFile(version, kind);
        if (path is null)
        {
            await EnsureVersionFilesAsync(version, cancellationToken).ConfigureAwait(false);
            path = StoredFile(version, kind) ?? throw new InvalidOperationException($"version {version}'s {kind} was rebuilt but is not kept");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes sure the bundle and delta files of a published version are kept here, rebuilding them from the log when they
    /// are not (versions between retention points, a node that joined after the version was published, files lost):
    /// version n is a pure function of the log, so the files come out byte for byte as published, and are checked
    /// against the hashes the log holds before they are written. A rebuild resumes from the latest order book snapshot
    /// before the version (time proportional to the log since then, not to the whole log) and leaves a snapshot at the
    /// last retention point it passes. Rebuilds run in turns (<see cref="MaxConcurrentRebuilds"/>, with
    /// <see cref="MaxQueuedRebuilds"/> waiting) off the request threads; requests for one version share one rebuild.
    /// </summary>
    /// <returns>False when there is no such version.</returns>
    /// <exception cref="RegistryProblem">503: too many rebuilds at once.</exception>
    public async Task<bool> EnsureVersionFilesAsync(ulong version, CancellationToken cancellationToken)
    {
        if (StoredFile(version, "bundle") is not null && StoredFile(version, "delta") is not null)
        {
            return true;
        }

        Task<bool>? rebuild;
        lock (_rebuilding)
        {
            // A rebuild that ended (done, refused or failed) is not shared: its files are kept, or it is tried again.
            if (!_rebuilding.TryGetValue(version, out rebuild) || rebuild.IsCompleted)
            {
                _rebuilding[version] = rebuild = RebuildInTurnAsync(version);
            }
        }

        try
        {
            return await rebuild.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_rebuilding)
            {
                if (rebuild.IsCompleted && _rebuilding.TryGetValue(version, out Task<bool>? shared) && shared == rebuild)
                {
                    _rebuilding.Remove(version);
                }
            }
        }
    }

    private async Task<bool> RebuildInTurnAsync(ulong version)
    {
        using (await _rebuildTurns.TakeAsync(CancellationToken.None).ConfigureAwait(false))
        {
            return await Task.Run(() => Rebuild(version)).ConfigureAwait(false);
        }
    }

    private bool Rebuild(ulong version)
    {
        if (GetVersion(version) is null)
        {
            return false;
        }

        RebuildCache cache = Cache;
        (BuiltVersion Built, VersionPublished Published)? result = null;
        if (cache.LatestSnapshotBefore(version) is { } at && GetVersion(at) is { } start && cache.TryUse(RebuildCache.SnapshotName(at), signed: false, out string snapshotPath))
        {
            try
            {
                OrderBook book;
                using (var reader = new StreamReader(snapshotPath, System.Text.Encoding.UTF8))
                {
                    book = OrderBook.ReadSnapshot(reader);
                }

                result = Replay(version, start.LogSize, book, at);
                if (!Matches(result.Value))
                {
                    result = null;
                }
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                result = null;
            }

            if (result is null)
            {
                // A snapshot that does not give what the log published is dropped; the log is replayed from the start.
                cache.Remove(RebuildCache.SnapshotName(at));
            }
        }

        result ??= Replay(version, 0, new OrderBook(), 0);
        if (!Matches(result.Value))
        {
            throw new RegistryConfigurationException($"version {version} rebuilt from the log does not hash to what the log published");
        }

        BuiltVersion built = result.Value.Built;
        // A retention file, or a delta (every one is kept), goes back where publication put it; any other bundle is a
        // cache entry.
        if (!File.Exists(_files.PathOf(version, "delta") + ".sig"))
        {
            _files.WriteSigned(built.DeltaBytes, version, "delta");
        }

        if (KeepsFullBundle(version))
        {
            _files.WriteSigned(built.BundleBytes, version, "bundle");
        }
        else
        {
            string name = RebuildCache.FileName(version, "bundle");
            _files.WriteSignedAt(cache.PathOf(name), built.BundleBytes, version, "bundle");
            cache.Added(name);
        }

        return true;
    }

    private static bool Matches((BuiltVersion Built, VersionPublished Published) result) =>
        Convert.ToHexStringLower(result.Built.BundleSha256) == result.Published.Bundle && Convert.ToHexStringLower(result.Built.DeltaSha256) == result.Published.Delta;

    /// <summary>Replays the log from <paramref name="fromIndex"/> with <paramref name="book"/> (standing at version
    /// <paramref name="fromVersion"/>, 0: the start) to <paramref name="version"/>, snapshotting the book at the last
    /// retention point on the way.</summary>
    private (BuiltVersion Built, VersionPublished Published) Replay(ulong version, ulong fromIndex, OrderBook book, ulong fromVersion)
    {
        ulong every = (ulong)_context.Options.FullBundleEvery;
        ulong snapshotAt = (version - 1) / every * every;
        return VersionBuilder.Replay(_context.Log.Origin, Counted(ReadEntries(fromIndex)), _context.Log.Root, version, book, at =>
            at == snapshotAt && at > fromVersion ? WriteSnapshot : null);

        void WriteSnapshot(OrderBook standing)
        {
            string name = RebuildCache.SnapshotName(snapshotAt);
            string path = Cache.PathOf(name);
            using (var stream = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                standing.WriteSnapshot(writer);
            }

            File.Move(path + ".tmp", path, overwrite: true);
            Cache.Added(name);
        }
    }

    private IEnumerable<(ulong Index, byte[] Entry)> Counted(IEnumerable<(ulong Index, byte[] Entry)> entries)
    {
        foreach ((ulong Index, byte[] Entry) entry in entries)
        {
            Interlocked.Increment(ref _entriesReplayed);
            yield return entry;
        }
    }

    private IEnumerable<(ulong Index, byte[] Entry)> ReadEntries(ulong from)
    {
        const int Chunk = 4096;
        ulong size = _context.Log.Size;
        for (ulong start = from; start < size; start += Chunk)
        {
            List<byte[]> entries;
            using (RegistrySession session = _context.Store.OpenRead())
            {
                entries = session.ReadEntries((long)start, (int)Math.Min(Chunk, size - start));
            }

            for (int i = 0; i < entries.Count; i++)
            {
                yield return (start + (ulong)i, entries[i]);
            }
        }
    }

    /// <summary>The latest version's bundle and its signature text.</summary>
    internal sealed record LatestBundle(ulong Version, byte[] Bytes, byte[] Sha256, string Signature);

    public void Dispose()
    {
        _publisher?.Dispose();
        _rebuildTurns.Dispose();
    }
}
