using System.Globalization;
using Palisade.Log;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// The registry's append-only log: entries and their leaf hashes in the store, every complete-subtree hash in memory, and
/// a signed checkpoint for the tree size at the end of every commit. Appends run inside the writer's transaction; the
/// new checkpoint is published only after the transaction commits.
/// </summary>
internal sealed class TransparencyLog : IDisposable
{
    private readonly MerkleNodeStore _nodes = new();
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly NoteSigner _signer;
    private LogState _state;

    private TransparencyLog(NoteSigner signer, LogState state)
    {
        _signer = signer;
        _state = state;
    }

    /// <summary>The checkpoint origin and key name.</summary>
    public string Origin => _signer.Name;

    /// <summary>The log key, which also signs bundles and deltas.</summary>
    public NoteSigner Signer => _signer;

    /// <summary>The signed-note verifier key of the log.</summary>
    public string VerifierKey => _signer.VerifierKey;

    /// <summary>The latest published tree size.</summary>
    public ulong Size => Volatile.Read(ref _state).Checkpoint.Size;

    /// <summary>The size including entries staged in a transaction that has not committed yet: where the next entry goes.</summary>
    public ulong StagedSize
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _nodes.Size;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The latest published checkpoint and its signed note.</summary>
    public LogState State => Volatile.Read(ref _state);

    /// <summary>Loads the log, recomputes every leaf hash and the tree, and checks them against every stored checkpoint.</summary>
    /// <exception cref="RegistryConfigurationException">The stored log does not agree with itself; the message says where.</exception>
    public static TransparencyLog Open(RegistryStore store, NoteSigner signer)
    {
        var log = new TransparencyLog(signer, default!);
        try
        {
            log.Load(store);
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    private void Load(RegistryStore store)
    {
        var verifier = NoteVerifier.Parse(_signer.VerifierKey);
        using RegistrySession session = store.OpenRead();
        {
            Span<byte> computed = stackalloc byte[MerkleHash.Size];
            ulong expected = 0;
            foreach ((long stored, byte[] data, byte[] leafHash) in session.ReadLog())
            {
                ulong index = (ulong)stored;
                if (index != expected)
                {
                    throw new RegistryConfigurationException($"the log is missing entry {expected} (the next stored entry is {index})");
                }

                MerkleHash.Leaf(data, computed);
                if (!computed.SequenceEqual(leafHash))
                {
                    throw new RegistryConfigurationException($"log entry {index} does not hash to its stored leaf hash: the entry was changed after it was logged");
                }

                _nodes.Append(computed);
                expected++;
            }
        }

        Checkpoint? latest = null;
        string? latestNote = null;
        ulong lastGood = 0;
        {
            foreach ((long storedSize, string note) in session.ReadCheckpoints())
            {
                ulong size = (ulong)storedSize;
                Checkpoint checkpoint;
                try
                {
                    checkpoint = Checkpoint.Parse(verifier.Verify(note).Text);
                }
                catch (Exception e) when (e is FormatException or CryptographicNoteException)
                {
                    throw new RegistryConfigurationException($"the stored checkpoint of size {size} does not verify with the log key {_signer.VerifierKey}: {e.Message}", e);
                }

                if (checkpoint.Size != size || checkpoint.Origin != _signer.Name)
                {
                    throw new RegistryConfigurationException($"the stored checkpoint of size {size} names size {checkpoint.Size} and origin {checkpoint.Origin}");
                }

                if (size > _nodes.Size)
                {
                    throw new RegistryConfigurationException($"the checkpoint of size {size} covers entries the log does not have (it holds {_nodes.Size})");
                }

                byte[] root = MerkleProofBuilder.Root(_nodes, size);
                if (!root.AsSpan().SequenceEqual(checkpoint.RootHash))
                {
                    throw new RegistryConfigurationException(string.Create(CultureInfo.InvariantCulture,
                        $"the stored entries do not match the signed checkpoint of size {size}: the log diverges from what was published between entry {lastGood} and entry {size - 1}"));
                }

                lastGood = size;
                latest = checkpoint;
                latestNote = note;
            }
        }

        if (latest is null)
        {
            if (_nodes.Size != 0)
            {
                throw new RegistryConfigurationException($"the log holds {_nodes.Size} entries but no signed checkpoint");
            }

            var empty = new Checkpoint(_signer.Name, 0, MerkleHash.EmptyRoot.ToArray());
            string note = _signer.SignNote(empty.ToText());
            using (RegistrySession write = store.BeginWrite())
            {
                // Another node may have appended meanwhile: only an empty log gets the empty checkpoint.
                write.InsertCheckpoint(0, empty.RootHash, note);
                write.Commit();
            }

            latest = empty;
            latestNote = note;
        }
        else if (latest.Size != _nodes.Size)
        {
            throw new RegistryConfigurationException($"the log holds {_nodes.Size} entries but its latest signed checkpoint covers {latest.Size}: entries were added without a checkpoint");
        }

        _state = new LogState(latest, latestNote!);
    }

    /// <summary>
    /// Follows appends that another process made to the shared store: reads the entries after this tree's size up to
    /// the latest stored checkpoint, checks every leaf hash, the checkpoint's signature and its root over the grown tree,
    /// and only then makes them visible. Returns the new entries with their indexes (none when the tree is current).
    /// </summary>
    /// <exception cref="RegistryConfigurationException">The store's new entries do not agree with its signed checkpoint.</exception>
    public List<(ulong Index, byte[] Entry)> CatchUp(RegistrySession session)
    {
        ulong size = Size;
        if (session.LatestCheckpoint() is not { } latest || (ulong)latest.Size <= size)
        {
            return [];
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(NoteVerifier.Parse(_signer.VerifierKey).Verify(latest.Note).Text);
        }
        catch (Exception e) when (e is FormatException or CryptographicNoteException)
        {
            throw new RegistryConfigurationException($"the stored checkpoint of size {latest.Size} does not verify with the log key {_signer.VerifierKey}: {e.Message}", e);
        }

        var added = new List<(ulong, byte[])>();
        _lock.EnterWriteLock();
        try
        {
            foreach ((long index, byte[] data, byte[] leafHash) in session.ReadLog((long)size, latest.Size))
            {
                if ((ulong)index != _nodes.Size || !MerkleHash.Leaf(data).AsSpan().SequenceEqual(leafHash))
                {
                    _nodes.Truncate(size);
                    throw new RegistryConfigurationException($"log entry {index} in the store is missing or does not hash to its stored leaf hash");
                }

                _nodes.Append(leafHash);
                added.Add(((ulong)index, data));
            }

            if (_nodes.Size != checkpoint.Size || !MerkleProofBuilder.Root(_nodes, checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
            {
                _nodes.Truncate(size);
                throw new RegistryConfigurationException($"the store's entries {size}…{latest.Size - 1} do not match its signed checkpoint of size {latest.Size}");
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        Publish(new LogState(checkpoint, latest.Note));
        return added;
    }

    /// <summary>Writes entries in the caller's transaction and adds them to the tree; <see cref="StageCheckpoint"/> then
    /// signs the tree head that covers them. Call <see cref="Publish"/> after the commit, or <see cref="Abandon"/> if it
    /// fails.</summary>
    /// <returns>The index of the first entry.</returns>
    public ulong Stage(RegistrySession session, IReadOnlyList<byte[]> entries)
    {
        ulong first;
        var leafHashes = new byte[entries.Count][];
        for (int i = 0; i < entries.Count; i++)
        {
            leafHashes[i] = MerkleHash.Leaf(entries[i]);
        }

        _lock.EnterWriteLock();
        try
        {
            first = _nodes.Size;
            foreach (byte[] leafHash in leafHashes)
            {
                _nodes.Append(leafHash);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        for (int i = 0; i < entries.Count; i++)
        {
            session.InsertEntry((long)(first + (ulong)i), entries[i], leafHashes[i]);
        }

        return first;
    }

    /// <summary>Signs the tree head of everything staged and stores it in the caller's transaction, once for all the
    /// writes of one commit; announces the new size to the store's other processes.</summary>
    public LogState StageCheckpoint(RegistrySession session)
    {
        ulong size;
        byte[] root;
        _lock.EnterReadLock();
        try
        {
            size = _nodes.Size;
            root = MerkleProofBuilder.Root(_nodes, size);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        var checkpoint = new Checkpoint(_signer.Name, size, root);
        string note = _signer.SignNote(checkpoint.ToText());
        session.InsertCheckpoint((long)size, root, note);
        session.AnnounceAppend((long)size);
        return new LogState(checkpoint, note);
    }

    /// <summary>Makes a committed append visible.</summary>
    public void Publish(LogState staged) => Volatile.Write(ref _state, staged);

    /// <summary>Undoes the in-memory part of an append whose transaction did not commit.</summary>
    public void Abandon(ulong firstIndex)
    {
        _lock.EnterWriteLock();
        try
        {
            _nodes.Truncate(firstIndex);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The hash tile at a level and index, <paramref name="width"/> hashes wide, if the published tree has it.</summary>
    public byte[]? ReadTile(int level, ulong index, int width)
    {
        ulong size = Size;
        int treeLevel = level * TlogTiles.TileHeight;
        if (treeLevel >= 64)
        {
            return null;
        }

        if (!TileExists(size >> treeLevel, index, width))
        {
            return null;
        }

        ulong start = index * TlogTiles.TileWidth;

        var tile = new byte[width * MerkleHash.Size];
        _lock.EnterReadLock();
        try
        {
            for (int i = 0; i < width; i++)
            {
                _nodes.CopyNode(treeLevel, start + (ulong)i, tile.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return tile;
    }

    /// <summary>Whether the tile (or entry bundle) at <paramref name="index"/>, <paramref name="width"/> wide, exists
    /// when its level holds <paramref name="available"/> hashes. A partial tile of width W is a prefix of the final tile
    /// and never changes, so every width up to what the tree holds is served, not only the current one: a client that
    /// holds an older checkpoint can still fetch the partial tiles it names while the log grows (C2SP tlog-tiles).</summary>
    public static bool TileExists(ulong available, ulong index, int width)
    {
        ulong start = index * TlogTiles.TileWidth;
        return width is > 0 and <= TlogTiles.TileWidth && start / TlogTiles.TileWidth == index && start + (ulong)width <= available;
    }

    /// <summary>The inclusion proof of an entry in the tree of the given size (at most the published size).</summary>
    public List<byte[]> InclusionProof(ulong index, ulong size)
    {
        _lock.EnterReadLock();
        try
        {
            return MerkleProofBuilder.InclusionProof(_nodes, index, size);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The consistency proof between two published tree sizes.</summary>
    public List<byte[]> ConsistencyProof(ulong size1, ulong size2)
    {
        _lock.EnterReadLock();
        try
        {
            return MerkleProofBuilder.ConsistencyProof(_nodes, size1, size2);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The root hash of the tree of the given size.</summary>
    public byte[] Root(ulong size)
    {
        _lock.EnterReadLock();
        try
        {
            return MerkleProofBuilder.Root(_nodes, size);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The leaf hash of an entry.</summary>
    public byte[] LeafHash(ulong index)
    {
        _lock.EnterReadLock();
        try
        {
            return _nodes.GetNode(0, index).ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();
}
