using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>The logs this registry witnesses. Mirrors of foreign logs.</summary>
internal sealed partial class RegistrySession
{
    /// <summary>Starts witnessing a log, or changes its verifier key (keeping what was cosigned).</summary>
    public void AddWitnessedLog(string origin, string verifierKey) =>
        NonQuery("INSERT INTO witnessed_logs (origin, vkey, size) VALUES (@origin, @vkey, 0) ON CONFLICT (origin) DO UPDATE SET vkey = excluded.vkey",
            Text("origin", origin), Text("vkey", verifierKey));

    /// <summary>A witnessed log's verifier key and latest cosigned checkpoint (size 0 and no root before the first).</summary>
    public (string VerifierKey, long Size, byte[]? Root)? WitnessedLog(string origin)
    {
        using DbCommand command = Command("SELECT vkey, size, root FROM witnessed_logs WHERE origin = @origin", Text("origin", origin));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : (byte[])reader[2]) : null;
    }

    /// <summary>Every witnessed log: origin, verifier key, latest cosigned size.</summary>
    public List<(string Origin, string VerifierKey, long Size)> WitnessedLogs() =>
        Rows("SELECT origin, vkey, size FROM witnessed_logs ORDER BY origin", r => (r.GetString(0), r.GetString(1), r.GetInt64(2)));

    /// <summary>Records the latest cosigned checkpoint of a witnessed log.</summary>
    public void SetWitnessedCheckpoint(string origin, long size, byte[] root, string note) =>
        NonQuery("UPDATE witnessed_logs SET size = @size, root = @root, note = @note WHERE origin = @origin",
            Int("size", size), Blob("root", root), Text("note", note), Text("origin", origin));

    /// <summary>Starts mirroring a log, or changes its URL and key (keeping what was verified).</summary>
    public void AddMirroredLog(string origin, string url, string verifierKey) =>
        NonQuery("INSERT INTO mirrored_logs (origin, url, vkey) VALUES (@origin, @url, @vkey) ON CONFLICT (origin) DO UPDATE SET url = excluded.url, vkey = excluded.vkey",
            Text("origin", origin), Text("url", url), Text("vkey", verifierKey));

    /// <summary>A mirrored log's last verified checkpoint and its fork evidence, if any.</summary>
    public (string? Note, string? ForkReason, string? ForkNote)? MirroredLog(string origin)
    {
        using DbCommand command = Command("SELECT note, fork_reason, fork_note FROM mirrored_logs WHERE origin = @origin", Text("origin", origin));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read()
            ? (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    /// <summary>Every verified entry of a mirrored log, in order.</summary>
    public List<byte[]> MirroredEntries(string origin) =>
        Rows("SELECT data FROM mirrored_entries WHERE origin = @origin ORDER BY idx", r => (byte[])r[0], Text("origin", origin));

    /// <summary>Adds verified entries of a mirrored log (another node may have added them already) and its checkpoint.</summary>
    public void AppendMirrored(string origin, long first, IReadOnlyList<byte[]> entries, string note)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            NonQuery("INSERT INTO mirrored_entries (origin, idx, data) VALUES (@origin, @idx, @data) ON CONFLICT (origin, idx) DO NOTHING",
                Text("origin", origin), Int("idx", first + i), Blob("data", entries[i]));
        }

        NonQuery("UPDATE mirrored_logs SET note = @note WHERE origin = @origin", Text("note", note), Text("origin", origin));
    }

    /// <summary>Records the proof that a mirrored log showed two histories.</summary>
    public void SetMirrorFork(string origin, string reason, string conflictingNote) =>
        NonQuery("UPDATE mirrored_logs SET fork_reason = @reason, fork_note = @note WHERE origin = @origin",
            Text("reason", reason), Text("note", conflictingNote), Text("origin", origin));
}
