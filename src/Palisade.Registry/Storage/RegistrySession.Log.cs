using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>The transparency log's entries and checkpoints.</summary>
internal sealed partial class RegistrySession
{
    /// <summary>Every stored entry with its stored leaf hash, in index order.</summary>
    public IEnumerable<(long Index, byte[] Data, byte[] LeafHash)> ReadLog()
    {
        using DbCommand command = Command("SELECT idx, data, leaf_hash FROM log_entries ORDER BY idx");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]);
        }
    }

    /// <summary>Stored entries from index <paramref name="start"/> below <paramref name="end"/>, with their stored leaf hashes.</summary>
    public List<(long Index, byte[] Data, byte[] LeafHash)> ReadLog(long start, long end)
    {
        using DbCommand command = Command("SELECT idx, data, leaf_hash FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx", Int("start", start), Int("end", end));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<(long, byte[], byte[])>();
        while (reader.Read())
        {
            list.Add((reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]));
        }

        return list;
    }

    /// <summary>The latest stored checkpoint (the log's size and its signed note); null before the first.</summary>
    public (long Size, string Note)? LatestCheckpoint()
    {
        using DbCommand command = Command("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1");
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Tells the store's other processes that the log grew to <paramref name="size"/>, when this transaction
    /// commits (PostgreSQL NOTIFY; nothing for a store only one process uses).</summary>
    public void AnnounceAppend(long size)
    {
        if (_rows is not null)
        {
            _rows.Announce = size;
            return;
        }

        if (_store.AppendChannel is { } channel)
        {
            NonQuery("SELECT pg_notify(@channel, @size)", Text("channel", channel), Text("size", size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Entries [start, start + count).</summary>
    public List<byte[]> ReadEntries(long start, int count)
    {
        using DbCommand command = Command("SELECT data FROM log_entries WHERE idx >= @start AND idx < @end ORDER BY idx", Int("start", start), Int("end", start + count));
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<byte[]>(count);
        while (reader.Read())
        {
            list.Add((byte[])reader[0]);
        }

        return list;
    }

    public void InsertEntry(long index, byte[] data, byte[] leafHash)
    {
        if (_rows is not null)
        {
            _rows.Entries.Add((index, data, leafHash));
            return;
        }

        NonQuery("INSERT INTO log_entries (idx, data, leaf_hash) VALUES (@idx, @data, @hash)", Int("idx", index), Blob("data", data), Blob("hash", leafHash));
    }

    /// <summary>Every stored checkpoint (size and signed note), by size.</summary>
    public IEnumerable<(long Size, string Note)> ReadCheckpoints()
    {
        using DbCommand command = Command("SELECT size, note FROM checkpoints ORDER BY size");
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public void InsertCheckpoint(long size, byte[] root, string note)
    {
        if (_rows is not null)
        {
            _rows.Checkpoint = (size, root, note);
            return;
        }

        NonQuery("INSERT INTO checkpoints (size, root, note) VALUES (@size, @root, @note)", Int("size", size), Blob("root", root), Text("note", note));
    }
}
