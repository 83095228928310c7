using System.Net;
using System.Text;
using Palisade.Client;
using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Client;

/// <summary>
/// Audits a C2SP tlog-tiles log from its public URL prefix: verifies the checkpoint signature, downloads every entry
/// bundle, recomputes every leaf hash and the root, checks every served hash tile against the recomputation, checks
/// that the entries are canonical events, and checks that the tree extends a checkpoint seen earlier.
/// </summary>
public sealed class LogAuditor
{
    /// <summary>The most bytes of the log's published verifier key (<c>key</c>) read; a key line is about 100.</summary>
    public const int MaxVerifierKeyBytes = 4 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _prefix;

    /// <summary>Creates an auditor for the log at <paramref name="prefix"/> (such as https://registry.example/log/).</summary>
    public LogAuditor(HttpClient http, Uri prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _http = http;
        _prefix = prefix.AbsoluteUri.EndsWith('/') ? prefix : new Uri(prefix.AbsoluteUri + "/");
    }

    /// <summary>The witnesses whose cosignatures a checkpoint needs; null to accept the log's signature alone.</summary>
    public WitnessPolicy? Witnesses { get; init; }

    /// <summary>How long to wait for the latest checkpoint to gather its quorum of cosignatures (witnesses cosign
    /// a new checkpoint a moment after the log signs it) before it is refused.</summary>
    public TimeSpan QuorumWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock cosignature times are checked against.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Reports progress: (entries checked, tree size).</summary>
    public IProgress<(ulong Done, ulong Total)>? Progress { get; init; }

    /// <summary>Fetches the log's published verifier key (trust on first use: the caller should pin it).</summary>
    public async Task<string> FetchVerifierKeyAsync(CancellationToken cancellationToken = default) =>
        (await ResponseBody.GetStringAsync(_http, new Uri(_prefix, "key"), MaxVerifierKeyBytes, cancellationToken).ConfigureAwait(false)).Trim();

    /// <summary>Runs the audit.</summary>
    /// <param name="verifier">The trusted log key.</param>
    /// <param name="previous">The checkpoint seen last time, or null on a first audit.</param>
    /// <param name="cancellationToken">Cancels the downloads.</param>
    /// <exception cref="LogVerificationException">The log does not verify; the message says where.</exception>
    public async Task<LogAuditResult> AuditAsync(NoteVerifier verifier, Checkpoint? previous, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        Checkpoint checkpoint = await FetchCheckpointAsync(verifier, cancellationToken).ConfigureAwait(false);

        if (previous is not null && previous.Origin != checkpoint.Origin)
        {
            throw new LogVerificationException($"the log's origin is '{checkpoint.Origin}', but the checkpoint seen before came from '{previous.Origin}'");
        }

        if (previous is not null && previous.Size > checkpoint.Size)
        {
            throw new LogVerificationException($"the log shrank: it was seen at size {previous.Size} and now claims size {checkpoint.Size}");
        }

        ulong size = checkpoint.Size;
        var nodes = new MerkleNodeStore();
        var entries = new List<(ulong, byte[])>();
        for (ulong tile = 0; tile * TlogTiles.TileWidth < size; tile++)
        {
            ulong start = tile * TlogTiles.TileWidth;
            int width = (int)Math.Min(TlogTiles.TileWidth, size - start);
            (byte[] bundle, bool wider) = await FetchTileAsync(-1, tile, width, verifier, cancellationToken).ConfigureAwait(false);
            List<byte[]> decoded;
            try
            {
                decoded = TlogTiles.DecodeBundle(bundle);
            }
            catch (FormatException e)
            {
                throw new LogVerificationException($"entry bundle {tile}: {e.Message}", e);
            }

            if (wider && decoded.Count > width)
            {
                // The log grew past this checkpoint: the wider bundle's first entries are the ones the checkpoint covers.
                decoded.RemoveRange(width, decoded.Count - width);
            }

            if (decoded.Count != width)
            {
                throw new LogVerificationException($"entry bundle {tile} holds {decoded.Count} entries, not {width}");
            }

            for (int i = 0; i < decoded.Count; i++)
            {
                nodes.Append(MerkleHash.Leaf(decoded[i]));
                entries.Add((start + (ulong)i, decoded[i]));
            }

            Progress?.Report((nodes.Size, size));
        }

        byte[] root = MerkleProofBuilder.Root(nodes, size);
        if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new LogVerificationException($"the {size} entries the log serves hash to root {Convert.ToBase64String(root)}, not to the signed root {Convert.ToBase64String(checkpoint.RootHash)}: the entries were changed after they were signed");
        }

        await CheckTilesAsync(nodes, size, verifier, cancellationToken).ConfigureAwait(false);

        if (previous is not null && previous.Size > 0)
        {
            byte[] earlier = MerkleProofBuilder.Root(nodes, previous.Size);
            if (!earlier.AsSpan().SequenceEqual(previous.RootHash))
            {
                throw new LogVerificationException($"the log rewrote its history: its first {previous.Size} entries now hash to {Convert.ToBase64String(earlier)}, but the checkpoint seen before signed {Convert.ToBase64String(previous.RootHash)}");
            }
        }

        int events;
        try
        {
            events = LogEventCodec.Join(entries).Count();
        }
        catch (FormatException e)
        {
            throw new LogVerificationException($"the log's entries are not well-formed events: {e.Message}", e);
        }

        return new LogAuditResult(checkpoint, events, previous?.Size ?? 0, entries, nodes);
    }

    /// <summary>
    /// Follows the log from what was verified before: fetches its checkpoint, and the entries after the
    /// <paramref name="tree"/>'s size from the entry bundles, and appends their leaf hashes to <paramref name="tree"/>
    /// only when the whole tree then hashes to the new signed root (the entries already verified are compared too).
    /// </summary>
    /// <param name="verifier">The log's key.</param>
    /// <param name="tree">The leaf hashes verified so far (their checkpoint is <paramref name="verifiedNote"/>).</param>
    /// <param name="verifiedNote">The signed checkpoint the tree was verified against; null before the first.</param>
    /// <param name="cancellationToken">Cancels the downloads.</param>
    /// <returns>The new checkpoint and its note, and the new entries (empty when the log has not grown).</returns>
    /// <exception cref="LogForkException">The new checkpoint contradicts the one verified before; both are in the
    /// exception. The tree is left as it was.</exception>
    /// <exception cref="LogVerificationException">The log does not verify otherwise (a bad signature, malformed
    /// bundles). The tree is left as it was.</exception>
    public async Task<(Checkpoint Checkpoint, string Note, List<byte[]> Entries)> FollowAsync(NoteVerifier verifier, MerkleNodeStore tree, string? verifiedNote,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(tree);
        (Checkpoint checkpoint, string note) = await FetchSignedCheckpointAsync(verifier, cancellationToken).ConfigureAwait(false);
        Checkpoint? verified = verifiedNote is null ? null : Checkpoint.Parse(SignedNote.Parse(verifiedNote).Text);
        ulong known = tree.Size;
        if (verified is not null && verified.Size != known)
        {
            throw new ArgumentException($"the tree holds {known} leaves, but the verified checkpoint has size {verified.Size}", nameof(tree));
        }

        if (checkpoint.Size < known)
        {
            throw new LogForkException($"the log shrank: it was verified at size {known} and now signs size {checkpoint.Size}", verifiedNote!, note);
        }

        if (checkpoint.Size == known)
        {
            if (verified is not null && !verified.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                throw new LogForkException($"the log signs two roots for size {known}", verifiedNote!, note);
            }

            return (checkpoint, note, []);
        }

        var added = new List<byte[]>();
        try
        {
            for (ulong tile = known / TlogTiles.TileWidth; tile * TlogTiles.TileWidth < checkpoint.Size; tile++)
            {
                ulong start = tile * TlogTiles.TileWidth;
                int width = (int)Math.Min(TlogTiles.TileWidth, checkpoint.Size - start);
                (byte[] bundle, _) = await FetchTileAsync(-1, tile, width, verifier, cancellationToken).ConfigureAwait(false);
                List<byte[]> decoded;
                try
                {
                    decoded = TlogTiles.DecodeBundle(bundle);
                }
                catch (FormatException e)
                {
                    throw new LogVerificationException($"entry bundle {tile}: {e.Message}", e);
                }

                if (decoded.Count < width)
                {
                    throw new LogVerificationException($"entry bundle {tile} holds {decoded.Count} entries, not {width}");
                }

                for (int i = 0; i < width; i++)
                {
                    ulong index = start + (ulong)i;
                    byte[] leaf = MerkleHash.Leaf(decoded[i]);
                    if (index < known)
                    {
                        if (!tree.GetNode(0, index).SequenceEqual(leaf))
                        {
                            throw new LogForkException($"entry {index} is not the entry verified before", verifiedNote!, note);
                        }

                        continue;
                    }

                    tree.Append(leaf);
                    added.Add(decoded[i]);
                }
            }

            byte[] root = MerkleProofBuilder.Root(tree, checkpoint.Size);
            if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                string message = $"the log's first {checkpoint.Size} entries hash to {Convert.ToBase64String(root)}, not to the signed root {Convert.ToBase64String(checkpoint.RootHash)}";
                throw verifiedNote is null
                    ? new LogVerificationException(message)
                    : new LogForkException($"{message}: the signed tree does not extend the {known} entries verified before", verifiedNote, note);
            }

            // The hash tiles over the new entries must agree with the entries, as an audit requires.
            await CheckTilesAsync(tree, checkpoint.Size, verifier, cancellationToken, known).ConfigureAwait(false);
            return (checkpoint, note, added);
        }
        catch
        {
            tree.Truncate(known);
            throw;
        }
    }

    /// <summary>Checks every hash tile of the tree of <paramref name="size"/> that holds a hash over an entry at or after
    /// <paramref name="from"/> against the hashes recomputed from the entries.</summary>
    private async Task CheckTilesAsync(MerkleNodeStore nodes, ulong size, NoteVerifier verifier, CancellationToken cancellationToken, ulong from = 0)
    {
        for (int level = 0; level * TlogTiles.TileHeight < 64 && (size >> (level * TlogTiles.TileHeight)) > 0; level++)
        {
            int treeLevel = level * TlogTiles.TileHeight;
            ulong hashes = size >> treeLevel;
            for (ulong tile = (from >> treeLevel) / TlogTiles.TileWidth; tile * TlogTiles.TileWidth < hashes; tile++)
            {
                ulong start = tile * TlogTiles.TileWidth;
                int width = (int)Math.Min(TlogTiles.TileWidth, hashes - start);
                (byte[] served, bool wider) = await FetchTileAsync(level, tile, width, verifier, cancellationToken).ConfigureAwait(false);
                if (wider && served.Length > width * MerkleHash.Size)
                {
                    served = served[..(width * MerkleHash.Size)];
                }

                if (served.Length != width * MerkleHash.Size)
                {
                    throw new LogVerificationException($"tile {level}/{tile} has {served.Length} bytes, not {width * MerkleHash.Size}");
                }

                for (int i = 0; i < width; i++)
                {
                    if (!nodes.GetNode(treeLevel, start + (ulong)i).SequenceEqual(served.AsSpan(i * MerkleHash.Size, MerkleHash.Size)))
                    {
                        throw new LogVerificationException($"tile {TlogTiles.TilePath(level, tile, width)} hash {i} disagrees with the hash recomputed from the entries");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Fetches a tile the checkpoint names: a hash tile, or with <paramref name="level"/> -1 an entry bundle. A partial
    /// tile is a prefix of every wider one, so when the log no longer serves the width asked for (a log may keep only
    /// the full tiles and the current partial ones; C2SP tlog-tiles), the full tile is fetched instead, and failing that
    /// the partial tile of the log's current tree, whose checkpoint must verify too. Returns the bytes, and whether they
    /// come from a wider tile (the caller keeps the first <paramref name="width"/> hashes or entries).
    /// </summary>
    private async Task<(byte[] Bytes, bool Wider)> FetchTileAsync(int level, ulong tile, int width, NoteVerifier verifier, CancellationToken cancellationToken)
    {
        string path = TileOrBundlePath(level, tile, width);
        using HttpResponseMessage response = await GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound || width == TlogTiles.TileWidth)
        {
            return (await ReadAsync(response, path, level, cancellationToken).ConfigureAwait(false), false);
        }

        string fullPath = TileOrBundlePath(level, tile, TlogTiles.TileWidth);
        using (HttpResponseMessage full = await GetAsync(fullPath, cancellationToken).ConfigureAwait(false))
        {
            if (full.IsSuccessStatusCode)
            {
                return (await ReadAsync(full, fullPath, level, cancellationToken).ConfigureAwait(false), true);
            }
        }

        Checkpoint current = await FetchCheckpointAsync(verifier, cancellationToken).ConfigureAwait(false);
        ulong hashes = current.Size >> (TlogTiles.TileHeight * Math.Max(level, 0));
        int currentWidth = hashes / TlogTiles.TileWidth == tile ? (int)(hashes % TlogTiles.TileWidth) : 0;
        if (currentWidth <= width)
        {
            throw new LogVerificationException($"{path}: the log answered 404 Not Found for a resource its checkpoint requires, and serves neither the full tile nor a wider partial one");
        }

        string currentPath = TileOrBundlePath(level, tile, currentWidth);
        using HttpResponseMessage wider = await GetAsync(currentPath, cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(wider, currentPath, level, cancellationToken).ConfigureAwait(false), true);
    }

    private async Task<Checkpoint> FetchCheckpointAsync(NoteVerifier verifier, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = Time.GetUtcNow() + QuorumWait;
        while (true)
        {
            (Checkpoint checkpoint, string note) = await FetchSignedCheckpointAsync(verifier, cancellationToken).ConfigureAwait(false);
            try
            {
                Witnesses?.Check(SignedNote.Parse(note), Time.GetUtcNow());
                return checkpoint;
            }
            catch (LogVerificationException) when (Time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The log's checkpoint, verified with its key, and its note.</summary>
    private async Task<(Checkpoint Checkpoint, string Note)> FetchSignedCheckpointAsync(NoteVerifier verifier, CancellationToken cancellationToken)
    {
        string note;
        using (HttpResponseMessage response = await GetAsync("checkpoint", cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"checkpoint: the log answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            }

            note = Encoding.UTF8.GetString(await ReadAsync(response, "checkpoint", null, cancellationToken).ConfigureAwait(false));
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(verifier.Verify(note).Text);
        }
        catch (Exception e) when (e is FormatException or CryptographicNoteException)
        {
            throw new LogVerificationException($"the checkpoint does not verify with key {verifier.VerifierKey}: {e.Message}", e);
        }

        if (checkpoint.Origin != verifier.Name)
        {
            throw new LogVerificationException($"the checkpoint's origin '{checkpoint.Origin}' is not the key's name '{verifier.Name}'");
        }

        return (checkpoint, note);
    }

    private static string TileOrBundlePath(int level, ulong tile, int width) =>
        level < 0 ? TlogTiles.EntriesPath(tile, width) : TlogTiles.TilePath(level, tile, width);

    /// <summary>GETs a resource below the log prefix, headers first, so that its body is read within its bound.</summary>
    private Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken) =>
        _http.GetAsync(new Uri(_prefix, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Reads a tile (<paramref name="level"/> -1: an entry bundle), or with a null level the checkpoint, refusing
    /// a body longer than its format allows while it is read (a checkpoint is a note of at most
    /// <see cref="SignedNote.MaxLength"/> bytes, an entry bundle <see cref="TlogTiles.MaxEntryBundleBytes"/>, a hash tile
    /// <see cref="TlogTiles.MaxHashTileBytes"/>).</summary>
    private static async Task<byte[]> ReadAsync(HttpResponseMessage response, string path, int? level, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new LogVerificationException($"{path}: the log answered {(int)response.StatusCode} {response.ReasonPhrase} for a resource its checkpoint requires");
        }

        int limit = level switch
        {
            null => SignedNote.MaxLength,
            < 0 => TlogTiles.MaxEntryBundleBytes,
            _ => TlogTiles.MaxHashTileBytes,
        };
        try
        {
            return await ResponseBody.ReadBytesAsync(response, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (ResponseTooLargeException e)
        {
            throw new LogVerificationException(e.Message, e);
        }
    }

    /// <summary>Reads the auditor's state file: the verifier key and the last verified checkpoint text.</summary>
    public static (string Key, Checkpoint Checkpoint)? ReadState(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string[] lines = File.ReadAllText(path, Encoding.UTF8).Split('\n', 2);
        if (lines.Length != 2)
        {
            throw new FormatException($"the state file {path} is not a key line followed by a checkpoint");
        }

        return (lines[0].Trim(), Checkpoint.Parse(lines[1]));
    }

    /// <summary>Writes the state file atomically.</summary>
    public static void WriteState(string path, string key, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, key + "\n" + checkpoint.ToText(), new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }
}
