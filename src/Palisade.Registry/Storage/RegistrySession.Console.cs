namespace Palisade.Registry.Storage;

/// <summary>Authority console sessions (not in the log: they say who is signed in, which is no one's business but the
/// registry's; a row is the session, shared by every node of a store).</summary>
internal sealed partial class RegistrySession
{
    public void InsertConsoleSession(string id, string keyId, long expiresMs) =>
        NonQuery("INSERT INTO console_sessions (id, key_id, expires_ms) VALUES (@id, @key, @expires)", Text("id", id), Text("key", keyId), Int("expires", expiresMs));

    /// <summary>Whether the session is open: its row is there, for that key, and has not expired.</summary>
    public bool ConsoleSessionOpen(string id, string keyId, long nowMs) =>
        Scalar("SELECT 1 FROM console_sessions WHERE id = @id AND key_id = @key AND expires_ms > @now", Text("id", id), Text("key", keyId), Int("now", nowMs)) is not null;

    public void DeleteConsoleSession(string id) => NonQuery("DELETE FROM console_sessions WHERE id = @id", Text("id", id));

    /// <summary>Ends every session of a key (rotated or revoked) and every expired one.</summary>
    public void EndConsoleSessions(string keyId, long nowMs) =>
        NonQuery("DELETE FROM console_sessions WHERE key_id = @key OR expires_ms <= @now", Text("key", keyId), Int("now", nowMs));
}
