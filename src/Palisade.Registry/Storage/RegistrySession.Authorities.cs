using System.Data;
using System.Data.Common;
using Palisade.Registry.Api;

namespace Palisade.Registry.Storage;

/// <summary>Authorities and API keys.</summary>
internal sealed partial class RegistrySession
{
    public bool AuthorityExists(string id) => Scalar("SELECT 1 FROM authorities WHERE id = @id", Text("id", id)) is not null;

    public void InsertAuthority(AuthorityView authority) =>
        NonQuery("INSERT INTO authorities (id, name, jurisdiction, url, log_index) VALUES (@id, @name, @jurisdiction, @url, @index)",
            Text("id", authority.Id), Text("name", authority.Name), Text("jurisdiction", authority.Jurisdiction), Text("url", authority.Url), Int("index", authority.LogIndex));

    public List<AuthorityView> ListAuthorities()
    {
        using DbCommand command = Command("SELECT id, name, jurisdiction, url, log_index FROM authorities ORDER BY id");
        using DbDataReader reader = command.ExecuteReader();
        var list = new List<AuthorityView>();
        while (reader.Read())
        {
            list.Add(new AuthorityView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return list;
    }

    public void InsertKey(string id, byte[] secretHash, string role, string? authority, string created, long logIndex) =>
        NonQuery("INSERT INTO api_keys (id, secret_hash, role, authority, created, log_index) VALUES (@id, @hash, @role, @authority, @created, @index)",
            Text("id", id), Blob("hash", secretHash), Text("role", role), Text("authority", authority), Text("created", created), Int("index", logIndex));

    /// <summary>A key's secret hash, role, authority and whether it is revoked; null when there is no such key.</summary>
    public (byte[] SecretHash, string Role, string? Authority, bool Revoked)? FindKey(string id)
    {
        using DbCommand command = Command("SELECT secret_hash, role, authority, revoked FROM api_keys WHERE id = @id", Text("id", id));
        using DbDataReader reader = command.ExecuteReader();
        return reader.Read() ? ((byte[])reader[0], reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), !reader.IsDBNull(3)) : null;
    }

    public bool HasAdminKey() => Scalar("SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked IS NULL LIMIT 1") is not null;

    public void RevokeKey(string id, string time) => NonQuery("UPDATE api_keys SET revoked = @now WHERE id = @id", Text("now", time), Text("id", id));

    public void SetKeySecret(string id, byte[] secretHash) => NonQuery("UPDATE api_keys SET secret_hash = @hash WHERE id = @id", Blob("hash", secretHash), Text("id", id));
}
