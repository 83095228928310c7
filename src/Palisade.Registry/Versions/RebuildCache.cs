using System.Globalization;

namespace Palisade.Registry;

/// <summary>
/// What rebuilding old versions leaves behind (bundles between retention points with their signatures, and order book
/// snapshots that later rebuilds resume from), under <c>bundles/rebuilt/</c>, kept within a size budget: when a new
/// file takes it over the budget, the files used least recently go first. Everything here can be made again from the
/// log, so losing it costs time only.
/// </summary>
internal sealed class RebuildCache
{
    private const string SnapshotPrefix = "book-";
    private const string SnapshotSuffix = ".snapshot";

    private readonly long _budget;
    private readonly Lock _gate = new();
    // A file and its ".sig" count as one item, under the file's name.
    private readonly Dictionary<string, (long Bytes, long LastUse)> _items = new(StringComparer.Ordinal);
    private long _bytes;
    private long _clock;

    public RebuildCache(string directory, long budget)
    {
        Directory = directory;
        _budget = budget;
        System.IO.Directory.CreateDirectory(directory);
        // What an earlier run left, oldest first, as if used in the order it was written.
        foreach (FileInfo file in new DirectoryInfo(directory).EnumerateFiles().OrderBy(f => f.LastWriteTimeUtc))
        {
            if (file.Name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                file.Delete();
                continue;
            }

            string item = file.Name.EndsWith(".sig", StringComparison.Ordinal) ? file.Name[..^4] : file.Name;
            _items[item] = (_items.GetValueOrDefault(item).Bytes + file.Length, ++_clock);
            _bytes += file.Length;
        }

        lock (_gate)
        {
            EvictOver(null);
        }
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>The bytes the cache holds now.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The path an item is kept at.</summary>
    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>The name of a version's bundle or delta file here.</summary>
    public static string FileName(ulong version, string kind) => string.Create(CultureInfo.InvariantCulture, $"{version}.{kind}");

    /// <summary>The name of the snapshot of the order book at a version.</summary>
    public static string SnapshotName(ulong version) => string.Create(CultureInfo.InvariantCulture, $"{SnapshotPrefix}{version}{SnapshotSuffix}");

    /// <summary>Whether an item is here (with its signature, when <paramref name="signed"/>); a use, for the eviction
    /// order.</summary>
    public bool TryUse(string name, bool signed, out string path)
    {
        path = PathOf(name);
        lock (_gate)
        {
            if (!_items.TryGetValue(name, out (long Bytes, long LastUse) item) || !File.Exists(path) || (signed && !File.Exists(path + ".sig")))
            {
                return false;
            }

            _items[name] = (item.Bytes, ++_clock);
            return true;
        }
    }

    /// <summary>The latest version before <paramref name="version"/> whose order book snapshot is here.</summary>
    public ulong? LatestSnapshotBefore(ulong version)
    {
        lock (_gate)
        {
            ulong? best = null;
            foreach (string name in _items.Keys)
            {
                if (name.StartsWith(SnapshotPrefix, StringComparison.Ordinal) && name.EndsWith(SnapshotSuffix, StringComparison.Ordinal)
                    && ulong.TryParse(name.AsSpan(SnapshotPrefix.Length, name.Length - SnapshotPrefix.Length - SnapshotSuffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out ulong at)
                    && at < version && (best is null || at > best))
                {
                    best = at;
                }
            }

            return best;
        }
    }

    /// <summary>Counts an item just written (the file, and its signature if any), then removes the items used least
    /// recently until the cache is within its budget again (never the item just added).</summary>
    public void Added(string name)
    {
        string path = PathOf(name);
        long bytes = new FileInfo(path).Length + (File.Exists(path + ".sig") ? new FileInfo(path + ".sig").Length : 0);
        lock (_gate)
        {
            if (_items.TryGetValue(name, out (long Bytes, long LastUse) was))
            {
                _bytes -= was.Bytes;
            }

            _items[name] = (bytes, ++_clock);
            _bytes += bytes;
            EvictOver(name);
        }
    }

    /// <summary>Forgets and deletes an item (a snapshot that did not rebuild what the log published).</summary>
    public void Remove(string name)
    {
        lock (_gate)
        {
            Delete(name);
        }
    }

    private void EvictOver(string? keep)
    {
        while (_bytes > _budget)
        {
            string? oldest = null;
            long oldestUse = long.MaxValue;
            foreach ((string name, (long _, long lastUse)) in _items)
            {
                if (name != keep && lastUse < oldestUse)
                {
                    (oldest, oldestUse) = (name, lastUse);
                }
            }

            if (oldest is null)
            {
                return;
            }

            Delete(oldest);
        }
    }

    private void Delete(string name)
    {
        if (_items.Remove(name, out (long Bytes, long LastUse) item))
        {
            _bytes -= item.Bytes;
        }

        // A file being served stays readable until it is closed (POSIX unlink).
        File.Delete(PathOf(name));
        File.Delete(PathOf(name) + ".sig");
    }
}
