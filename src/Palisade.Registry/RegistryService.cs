using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Palisade.Core.Events;
using Microsoft.Data.Sqlite;
using Palisade.Core;
using Palisade.Core.Transparency;

namespace Palisade.Registry;

/// <summary>
/// The registry core: authorities, API keys and orders, each change written to the transparency log and to the query
/// tables in one SQLite transaction, acknowledged only after that transaction is durable. One writer at a time.
/// </summary>
public sealed partial class RegistryService : IDisposable
{
    private const string KeyPrefix = "pal_";

    /// <summary>Bytes of an API key's secret (256 bits).</summary>
    private const int SecretLength = 32;

    /// <summary>Characters of the secret in unpadded base64url (RFC 4648 §5).</summary>
    private const int SecretCharacters = 43;

    private static readonly SearchValues<char> s_base64Url = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly RegistryDatabase _database;
    private readonly TransparencyLog _log;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly TimeProvider _time;
    private readonly PublicSuffixList _publicSuffixes;
    private readonly List<ProtectedResource> _protected;

    private FileStream? _lock;

    private RegistryService(RegistryOptions options, RegistryDatabase database, TransparencyLog log, TimeProvider time, PublicSuffixList publicSuffixes, List<ProtectedResource> protectedResources)
    {
        Options = options;
        _database = database;
        _log = log;
        _time = time;
        _publicSuffixes = publicSuffixes;
        _protected = protectedResources;
    }

    /// <summary>The settings the registry runs with.</summary>
    public RegistryOptions Options { get; }

    /// <summary>The base URL order URLs are built on.</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:8440";

    internal TransparencyLog Log => _log;

    /// <summary>Whether the registry has an admin key that is not revoked. Without one nobody can register authorities or
    /// create keys over the API, so <c>palisade serve</c> creates one and prints it.</summary>
    public bool HasAdminKey
    {
        get
        {
            using SqliteConnection connection = _database.Open();
            using SqliteCommand count = RegistryDatabase.Command(connection, null, "SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked IS NULL LIMIT 1");
            return count.ExecuteScalar() is not null;
        }
    }

    /// <summary>Opens (creating on first run) the data directory, the database and the log key, and checks the log.</summary>
    /// <exception cref="RegistryConfigurationException">A setting is invalid or the stored log does not verify.</exception>
    public static RegistryService Open(RegistryOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(options.DataDirectory);
        FileStream dataLock = AcquireLock(options);
        try
        {
            RegistryService service = OpenLocked(options, time);
            service._lock = dataLock;
            return service;
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    /// <summary>One process at a time owns a data directory: the log's in-memory tree must see every append.</summary>
    private static FileStream AcquireLock(RegistryOptions options)
    {
        string path = Path.Combine(options.DataDirectory, "registry.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new RegistryConfigurationException($"the data directory {options.DataDirectory} is in use by another Palisade process (is 'palisade serve' running on it?); stop it or use the HTTP API", e);
        }
    }

    private static RegistryService OpenLocked(RegistryOptions options, TimeProvider? time)
    {
        var database = new RegistryDatabase(options.ResolvedDatabasePath);
        database.Initialize();

        NoteSigner signer = LoadOrCreateKey(options, database);
        using SqliteConnection connection = database.Open();
        TransparencyLog log = TransparencyLog.Open(connection, signer);

        var protectedResources = new List<ProtectedResource>();
        foreach (string text in options.OmitDefaultProtectedResources ? options.ProtectedResources : [.. ProtectedResource.Defaults, .. options.ProtectedResources])
        {
            if (!ProtectedResource.TryParse(text, out ProtectedResource resource, out string? error))
            {
                throw new RegistryConfigurationException($"protected resource '{text}' is invalid: {error}");
            }

            protectedResources.Add(resource);
        }

        var service = new RegistryService(options, database, log, time ?? TimeProvider.System, PublicSuffixList.Load(options.PublicSuffixListPath), protectedResources);
        service.LoadVersions(connection);
        service.StartPublisher();
        return service;
    }

    private static NoteSigner LoadOrCreateKey(RegistryOptions options, RegistryDatabase database)
    {
        using SqliteConnection connection = database.Open();
        string? origin = RegistryDatabase.GetMeta(connection, null, "origin");
        if (File.Exists(options.LogKeyPath))
        {
            NoteSigner signer;
            try
            {
                signer = NoteSigner.ParsePrivateKey(File.ReadAllText(options.LogKeyPath));
            }
            catch (FormatException e)
            {
                throw new RegistryConfigurationException($"the log key {options.LogKeyPath} is not a signed-note private key: {e.Message}", e);
            }

            if (origin is not null && origin != signer.Name)
            {
                signer.Dispose();
                throw new RegistryConfigurationException($"the log key {options.LogKeyPath} is for origin {signer.Name}, but the database's log has origin {origin}");
            }

            if (options.Origin is not null && options.Origin != signer.Name)
            {
                signer.Dispose();
                throw new RegistryConfigurationException($"Palisade:Origin is {options.Origin}, but this log was created with origin {signer.Name}; an origin cannot change");
            }

            RegistryDatabase.SetMeta(connection, null, "origin", signer.Name);
            return signer;
        }

        if (origin is not null)
        {
            throw new RegistryConfigurationException($"the log key {options.LogKeyPath} is missing; the log of origin {origin} cannot be extended without it");
        }

        string name = options.Origin ?? "palisade.local/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        NoteSigner created = NoteSigner.Generate(name);
        string temporary = options.LogKeyPath + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The log key signs everything the registry publishes: readable by its owner only.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, fileOptions))
        {
            stream.Write(Encoding.UTF8.GetBytes(created.ExportPrivateKey() + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, options.LogKeyPath);
        RegistryDatabase.SetMeta(connection, null, "origin", name);
        return created;
    }

    /// <summary>Runs one write: the work adds rows and returns the event to log; the event's entries and a new signed
    /// checkpoint go into the same transaction, which commits before this returns.</summary>
    /// <remarks>After the commit, still under the writer lock, the logged event goes to the order book and
    /// <paramref name="committed"/> runs, so the book sees events in log order.</remarks>
    private T Write<T>(Func<SqliteConnection, SqliteTransaction, Func<LogEvent, (long FirstIndex, int Entries)>, T> work, Action<T>? committed = null)
    {
        _writer.Wait();
        try
        {
            using SqliteConnection connection = _database.Open();
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            ulong before = _log.Size;
            LogState? staged = null;
            LogEvent? logged = null;
            try
            {
                T result = work(connection, transaction, evt =>
                {
                    if (staged is not null)
                    {
                        throw new InvalidOperationException("one write logs one event");
                    }

                    List<byte[]> entries = LogEvents.Encode(evt, _log.Size);
                    (ulong first, LogState state) = _log.Stage(connection, transaction, entries);
                    staged = state;
                    logged = evt;
                    return ((long)first, entries.Count);
                });
                transaction.Commit();
                if (staged is not null)
                {
                    _log.Publish(staged);
                    _book.Apply(logged!);
                    if (logged is OrderEvent)
                    {
                        _publisher?.OrderChanged();
                    }
                }

                committed?.Invoke(result);
                return result;
            }
            catch
            {
                _log.Abandon(before);
                throw;
            }
        }
        finally
        {
            _writer.Release();
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

        return Write((connection, transaction, log) =>
        {
            using (SqliteCommand exists = RegistryDatabase.Command(connection, transaction, "SELECT 1 FROM authorities WHERE id = $id", ("$id", id)))
            {
                if (exists.ExecuteScalar() is not null)
                {
                    throw RegistryProblem.Conflict("id", $"the authority '{id}' already exists");
                }
            }

            (long index, _) = log(new AuthorityRegistered
            {
                Time = _time.GetUtcNow(),
                Authority = new AuthorityDetails { Id = id, Name = name, Jurisdiction = jurisdiction, Url = url },
            });
            using SqliteCommand insert = RegistryDatabase.Command(connection, transaction,
                "INSERT INTO authorities (id, name, jurisdiction, url, log_index) VALUES ($id, $name, $jurisdiction, $url, $index)",
                ("$id", id), ("$name", name), ("$jurisdiction", jurisdiction), ("$url", url), ("$index", index));
            insert.ExecuteNonQuery();
            return new Api.AuthorityView(id, name, jurisdiction, url, index);
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
        (string key, byte[] secret) = NewSecret(id);
        return Write((connection, transaction, log) =>
        {
            if (authority is not null)
            {
                using SqliteCommand exists = RegistryDatabase.Command(connection, transaction, "SELECT 1 FROM authorities WHERE id = $id", ("$id", authority));
                if (exists.ExecuteScalar() is null)
                {
                    throw RegistryProblem.Invalid("authority", $"the authority '{authority}' does not exist");
                }
            }

            DateTimeOffset time = _time.GetUtcNow();
            string now = FormatTime(time);
            (long index, _) = log(new KeyCreated { Time = time, Key = id, Role = RoleName(role), Authority = authority });
            using SqliteCommand insert = RegistryDatabase.Command(connection, transaction,
                "INSERT INTO api_keys (id, secret_hash, role, authority, created, log_index) VALUES ($id, $hash, $role, $authority, $created, $index)",
                ("$id", id), ("$hash", SHA256.HashData(secret)), ("$role", RoleName(role)), ("$authority", authority), ("$created", now), ("$index", index));
            insert.ExecuteNonQuery();
            return new Api.KeyCreated(id, key, RoleName(role), authority, index);
        });
    }

    /// <summary>Revokes an API key (logged as <c>key.revoked</c>).</summary>
    public void RevokeKey(string id)
    {
        Write((connection, transaction, log) =>
        {
            using (SqliteCommand find = RegistryDatabase.Command(connection, transaction, "SELECT revoked FROM api_keys WHERE id = $id", ("$id", id)))
            {
                object? revoked = find.ExecuteScalar();
                if (revoked is null)
                {
                    throw RegistryProblem.NotFound($"there is no key '{id}'");
                }

                if (revoked is string)
                {
                    throw RegistryProblem.Conflict("id", $"the key '{id}' is already revoked");
                }
            }

            DateTimeOffset time = _time.GetUtcNow();
            string now = FormatTime(time);
            log(new KeyRevoked { Time = time, Key = id });
            using SqliteCommand update = RegistryDatabase.Command(connection, transaction, "UPDATE api_keys SET revoked = $now WHERE id = $id", ("$now", now), ("$id", id));
            update.ExecuteNonQuery();
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

        (string key, byte[] secret) = NewSecret(id);
        return Write((connection, transaction, log) =>
        {
            string role;
            string? authority;
            using (SqliteCommand find = RegistryDatabase.Command(connection, transaction, "SELECT role, authority, revoked FROM api_keys WHERE id = $id", ("$id", id)))
            using (SqliteDataReader reader = find.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw RegistryProblem.NotFound($"there is no key '{id}'");
                }

                if (!reader.IsDBNull(2))
                {
                    throw RegistryProblem.Conflict("id", $"the key '{id}' is revoked; create a new one");
                }

                role = reader.GetString(0);
                authority = reader.IsDBNull(1) ? null : reader.GetString(1);
            }

            (long index, _) = log(new KeyRotated { Time = _time.GetUtcNow(), Key = id });
            using SqliteCommand update = RegistryDatabase.Command(connection, transaction,
                "UPDATE api_keys SET secret_hash = $hash WHERE id = $id", ("$hash", SHA256.HashData(secret)), ("$id", id));
            update.ExecuteNonQuery();
            return new Api.KeyCreated(id, key, role, authority, index);
        });
    }

    private static (string Key, byte[] Secret) NewSecret(string id)
    {
        byte[] secret = RandomNumberGenerator.GetBytes(SecretLength);
        return (KeyPrefix + id + "_" + Base64Url.EncodeToString(secret), secret);
    }

    /// <summary>Checks a bearer key; null when it is unknown, malformed or revoked.</summary>
    public Caller? Authenticate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length > 100)
        {
            return null;
        }

        int split = key.IndexOf('_', KeyPrefix.Length);
        if (split < 0)
        {
            return null;
        }

        string id = key[KeyPrefix.Length..split];
        // Exactly one spelling of a secret is accepted: the unpadded base64url that NewSecret prints. A decoder alone
        // would also take padding, the standard alphabet and other values of the unused final bits.
        ReadOnlySpan<char> encoded = key.AsSpan(split + 1);
        if (encoded.Length != SecretCharacters || encoded.ContainsAnyExcept(s_base64Url))
        {
            return null;
        }

        byte[] secret = Convert.FromBase64String(encoded.ToString().Replace('-', '+').Replace('_', '/') + "=");
        if (!encoded.SequenceEqual(Base64Url.EncodeToString(secret)))
        {
            return null;
        }

        using SqliteConnection connection = _database.Open();
        using SqliteCommand find = RegistryDatabase.Command(connection, null, "SELECT secret_hash, role, authority, revoked FROM api_keys WHERE id = $id", ("$id", id));
        using SqliteDataReader reader = find.ExecuteReader();
        if (!reader.Read() || !reader.IsDBNull(3))
        {
            return null;
        }

        byte[] stored = (byte[])reader[0];
        if (!CryptographicOperations.FixedTimeEquals(stored, SHA256.HashData(secret)))
        {
            return null;
        }

        _ = TryParseRole(reader.GetString(1), out Role role);
        return new Caller(id, role, reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    /// <summary>All authorities.</summary>
    public List<Api.AuthorityView> ListAuthorities()
    {
        using SqliteConnection connection = _database.Open();
        using SqliteCommand query = RegistryDatabase.Command(connection, null, "SELECT id, name, jurisdiction, url, log_index FROM authorities ORDER BY id");
        using SqliteDataReader reader = query.ExecuteReader();
        var list = new List<Api.AuthorityView>();
        while (reader.Read())
        {
            list.Add(new Api.AuthorityView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return list;
    }

    /// <summary>Reads log entries [start, start + count) of the published tree.</summary>
    public List<byte[]> ReadEntries(ulong start, int count)
    {
        using SqliteConnection connection = _database.Open();
        using SqliteCommand query = RegistryDatabase.Command(connection, null, "SELECT data FROM log_entries WHERE idx >= $start AND idx < $end ORDER BY idx",
            ("$start", (long)start), ("$end", (long)start + count));
        using SqliteDataReader reader = query.ExecuteReader();
        var list = new List<byte[]>(count);
        while (reader.Read())
        {
            list.Add((byte[])reader[0]);
        }

        return list;
    }

    internal static bool TryParseRole(string text, out Role role)
    {
        switch (text)
        {
            case "admin": role = Role.Admin; return true;
            case "authority": role = Role.Authority; return true;
            case "operator": role = Role.Operator; return true;
            case "auditor": role = Role.Auditor; return true;
            default: role = default; return false;
        }
    }

    internal static string RoleName(Role role) => role switch
    {
        Role.Admin => "admin",
        Role.Authority => "authority",
        Role.Operator => "operator",
        _ => "auditor",
    };

    internal static bool IsAuthorityId(string id) =>
        id.Length is > 0 and <= 64 && id[0] != '-' && id.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-") < 0;

    /// <summary>Times in log entries: UTC, RFC 3339, milliseconds only when present.</summary>
    internal static string FormatTime(DateTimeOffset time) => LogTime.Format(time);

    private static string Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw RegistryProblem.Invalid(field, $"'{field}' is required");
        }

        if (value.Length > maxLength)
        {
            throw RegistryProblem.Invalid(field, $"'{field}' is longer than {maxLength} characters");
        }

        foreach (char c in value)
        {
            if (char.IsControl(c) && c != '\n')
            {
                throw RegistryProblem.Invalid(field, $"'{field}' holds the control character U+{(int)c:X4}");
            }
        }

        return value;
    }

    /// <summary>
    /// A one-line name that people read and compare, such as a decision number or an authority's name: required, at most
    /// <paramref name="maxLength"/> characters, normalised to NFC (so one reference has one spelling), without control
    /// or format characters (Unicode Cc and Cf: bidi overrides, zero-width characters) or line separators, which would
    /// let two references look alike.
    /// </summary>
    private static string Label(string? value, string field, int maxLength)
    {
        string text = Required(value, field, maxLength);
        if (!text.IsNormalized(NormalizationForm.FormC))
        {
            text = text.Normalize(NormalizationForm.FormC);
        }

        foreach (Rune rune in text.EnumerateRunes())
        {
            UnicodeCategory category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                throw RegistryProblem.Invalid(field, $"'{field}' holds U+{rune.Value:X4} ({category}); names are one line of visible characters, so that two of them cannot look alike");
            }
        }

        return text;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _publisher?.Dispose();
        _log.Dispose();
        _writer.Dispose();
        _lock?.Dispose();
    }
}
