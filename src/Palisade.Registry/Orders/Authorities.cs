using System.Security.Cryptography;
using Palisade.Log.Events;
using Palisade.Registry.Storage;
using static Palisade.Registry.Fields;

namespace Palisade.Registry;

/// <summary>Authorities and API keys: registering, creating, rotating and revoking (each logged, a key's secret never),
/// and authenticating a bearer key.</summary>
internal sealed class Authorities(RegistryContext context)
{
    private readonly RegistryContext _context = context;

    /// <summary>Whether the registry has an admin key that is not revoked. Without one nobody can register authorities or
    /// create keys over the API, so <c>palisade serve</c> creates one and prints it.</summary>
    public bool HasAdminKey
    {
        get
        {
            using RegistrySession session = _context.Store.OpenRead();
            return session.HasAdminKey();
        }
    }

    /// <summary>Registers an authority (logged as <c>authority.registered</c>).</summary>
    public Api.AuthorityView AddAuthority(Api.AddAuthorityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = Required(request.Id, "id", 64);
        if (!IsAuthorityId(id))
        {
            throw RegistryProblem.Invalid("id", $"the authority id '{id}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
        }

        string name = Label(request.Name, "name", 300);
        string jurisdiction = Label(request.Jurisdiction, "jurisdiction", 100);
        string url = Required(request.Url, "url", 2000);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            throw RegistryProblem.Invalid("url", $"'{url}' is not an absolute http(s) URL");
        }

        return _context.Writer.Write((session, log) =>
        {
            if (session.AuthorityExists(id))
            {
                throw RegistryProblem.Conflict("id", $"the authority '{id}' already exists");
            }

            (long index, _) = log(new AuthorityRegistered
            {
                Time = _context.Time.GetUtcNow(),
                Authority = new AuthorityDetails { Id = id, Name = name, Jurisdiction = jurisdiction, Url = url },
            });
            var view = new Api.AuthorityView(id, name, jurisdiction, url, index);
            session.InsertAuthority(view);
            return view;
        });
    }

    /// <summary>Creates an API key (logged as <c>key.created</c> with its id and role, never its secret).</summary>
    public Api.KeyCreated CreateKey(Api.CreateKeyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string roleText = Required(request.Role, "role", 20);
        if (!TryParseRole(roleText, out Role role))
        {
            throw RegistryProblem.Invalid("role", $"the role '{roleText}' is not one of admin, authority, operator, auditor");
        }

        string? authority = request.Authority;
        if (role == Role.Authority && string.IsNullOrEmpty(authority))
        {
            throw RegistryProblem.Invalid("authority", "an authority key names the authority it acts for");
        }

        if (role != Role.Authority && authority is not null)
        {
            throw RegistryProblem.Invalid("authority", $"a key of role {roleText} acts for no authority");
        }

        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        ApiKey key = ApiKey.Create(id);
        return _context.Writer.Write((session, log) =>
        {
            if (authority is not null && !session.AuthorityExists(authority))
            {
                throw RegistryProblem.Invalid("authority", $"the authority '{authority}' does not exist");
            }

            DateTimeOffset time = _context.Time.GetUtcNow();
            string now = FormatTime(time);
            (long index, _) = log(new KeyCreated { Time = time, Key = id, Role = RoleName(role), Authority = authority });
            session.InsertKey(id, key.SecretHash, RoleName(role), authority, now, index);
            return new Api.KeyCreated(id, key.Text, RoleName(role), authority, index);
        });
    }

    /// <summary>Revokes an API key (logged as <c>key.revoked</c>).</summary>
    public void RevokeKey(string id)
    {
        _context.Writer.Write((session, log) =>
        {
            switch (session.FindKey(id))
            {
                case null:
                    throw RegistryProblem.NotFound($"there is no key '{id}'");
                case { Revoked: true }:
                    throw RegistryProblem.Conflict("id", $"the key '{id}' is already revoked");
            }

            DateTimeOffset time = _context.Time.GetUtcNow();
            string now = FormatTime(time);
            log(new KeyRevoked { Time = time, Key = id });
            session.RevokeKey(id, now);
            session.EndConsoleSessions(id, time.ToUnixTimeMilliseconds());
            return 0;
        });
    }

    /// <summary>
    /// Replaces a key's secret, keeping its id, role and authority (logged as <c>key.rotated</c>). The old secret stops
    /// working at once. An admin rotates any key; every other caller only its own.
    /// </summary>
    public Api.KeyCreated RotateKey(Caller caller, string id)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.Role != Role.Admin && caller.KeyId != id)
        {
            throw RegistryProblem.Forbidden($"a {RoleName(caller.Role)} key may rotate only itself, not '{id}'");
        }

        ApiKey key = ApiKey.Create(id);
        return _context.Writer.Write((session, log) =>
        {
            (byte[] _, string role, string? authority, bool revoked) = session.FindKey(id) ?? throw RegistryProblem.NotFound($"there is no key '{id}'");
            if (revoked)
            {
                throw RegistryProblem.Conflict("id", $"the key '{id}' is revoked; create a new one");
            }

            DateTimeOffset time = _context.Time.GetUtcNow();
            (long index, _) = log(new KeyRotated { Time = time, Key = id });
            session.SetKeySecret(id, key.SecretHash);
            session.EndConsoleSessions(id, time.ToUnixTimeMilliseconds());
            return new Api.KeyCreated(id, key.Text, role, authority, index);
        });
    }

    /// <summary>Checks a bearer key; null when it is unknown, malformed or revoked.</summary>
    public Caller? Authenticate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!ApiKey.TryParse(key, out ApiKey? presented))
        {
            return null;
        }

        string id = presented.Value.Id;
        using RegistrySession session = _context.Store.OpenRead();
        if (session.FindKey(id) is not { Revoked: false } found || !presented.Value.Matches(found.SecretHash))
        {
            return null;
        }

        _ = TryParseRole(found.Role, out Role role);
        return new Caller(id, role, found.Authority);
    }

    /// <summary>A short fingerprint of a key's stored secret hash, which a console session carries so that rotating or
    /// revoking the key ends the session.</summary>
    public string SessionFingerprint(string keyId)
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.FindKey(keyId) is { } found ? Fingerprint(found.SecretHash) : "";
    }

    private static string Fingerprint(byte[] secretHash) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(secretHash).AsSpan(0, 12));

    /// <summary>Opens a console session for a key (a row in the store, so every node knows it); returns its id.</summary>
    public string OpenSession(string keyId, DateTimeOffset expires)
    {
        string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        _context.Writer.Write((session, _) =>
        {
            // Expired sessions go as new ones come.
            session.EndConsoleSessions("", _context.Time.GetUtcNow().ToUnixTimeMilliseconds());
            session.InsertConsoleSession(id, keyId, expires.ToUnixTimeMilliseconds());
            return 0;
        });
        return id;
    }

    /// <summary>Ends a console session (sign-out): its cookie opens nothing any more, on any node.</summary>
    public void EndSession(string sessionId) =>
        _context.Writer.Write((session, _) =>
        {
            session.DeleteConsoleSession(sessionId);
            return 0;
        });

    /// <summary>The caller of a console session: the key as stored now, if the session is open, the key is not revoked
    /// and its secret is the one the session was opened with; null otherwise.</summary>
    public Caller? SessionCaller(string sessionId, string keyId, string fingerprint)
    {
        using RegistrySession session = _context.Store.OpenRead();
        if (!session.ConsoleSessionOpen(sessionId, keyId, _context.Time.GetUtcNow().ToUnixTimeMilliseconds())
            || session.FindKey(keyId) is not { Revoked: false } found || Fingerprint(found.SecretHash) != fingerprint)
        {
            return null;
        }

        _ = TryParseRole(found.Role, out Role role);
        return new Caller(keyId, role, found.Authority);
    }

    /// <summary>All authorities.</summary>
    public List<Api.AuthorityView> ListAuthorities()
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.ListAuthorities();
    }
}
