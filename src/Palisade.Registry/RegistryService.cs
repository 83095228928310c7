using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Palisade.Core;
using Palisade.Core.Events;
using Palisade.Core.Transparency;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// The registry core: authorities, API keys and orders, each change written to the transparency log and to the query
/// tables in one store transaction (shared by the writes waiting at that moment), acknowledged only after that
/// transaction is durable.
/// </summary>
public sealed partial class RegistryService : IDisposable
{

    private readonly RegistryStore _store;
    private readonly TransparencyLog _log;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly TimeProvider _time;
    private readonly Safeguards _safeguards;

    private FileStream? _lock;

    private RegistryService(RegistryOptions options, RegistryStore store, TransparencyLog log, TimeProvider time, Safeguards safeguards)
    {
        Options = options;
        _store = store;
        _log = log;
        _time = time;
        _safeguards = safeguards;
        _files = new VersionFiles(options.DataDirectory, log.Signer);
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
            using RegistrySession session = _store.OpenRead();
            return session.HasAdminKey();
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

    /// <summary>
    /// Copies the SQLite registry of <paramref name="dataDirectory"/> into the empty PostgreSQL database
    /// <paramref name="database"/>: checks the source log as a start would, copies every table in one transaction, then
    /// opens the copy as <c>serve --database</c> would (with the same data directory and log key) and requires the same
    /// signed checkpoint. Returns that checkpoint's note.
    /// </summary>
    /// <exception cref="RegistryConfigurationException">There is no source registry, the target is not empty, or the copy
    /// does not verify.</exception>
    public static string Migrate(string dataDirectory, string database, IProgress<(string Table, long Rows)>? progress = null)
    {
        var source = new RegistryOptions { DataDirectory = dataDirectory };
        if (!File.Exists(source.ResolvedDatabasePath) || !File.Exists(source.LogKeyPath))
        {
            throw new RegistryConfigurationException($"{dataDirectory} holds no registry to copy (it needs registry.db and log.key)");
        }

        string note;
        using (RegistryService original = Open(source))
        {
            note = original.Log.State.Note;
        }

        var target = new RegistryOptions { DataDirectory = dataDirectory, Database = database };
        using (RegistryStore to = RegistryStore.Open(target))
        using (var from = new SqliteRegistryStore(source.ResolvedDatabasePath))
        using (FileStream directoryLock = AcquireLock(source))
        {
            try
            {
                RegistryMigration.Copy(from, to, progress);
            }
            catch (System.Data.Common.DbException e)
            {
                throw new RegistryConfigurationException($"copying into {to.Description} failed: {e.Message}", e);
            }
        }

        using RegistryService copy = Open(target);
        if (copy.Log.State.Note != note)
        {
            throw new RegistryConfigurationException($"the copy serves another checkpoint than the original:\n{copy.Log.State.Note}");
        }

        return note;
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
        RegistryStore store = RegistryStore.Open(options);
        try
        {
            return OpenStore(options, store, time);
        }
        catch (System.Data.Common.DbException e)
        {
            store.Dispose();

            // An unreachable server, a damaged file, a missing table: a message and exit 4, not a stack trace.
            throw new RegistryConfigurationException($"{store.Description} cannot be used: {e.Message}", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private static RegistryService OpenStore(RegistryOptions options, RegistryStore store, TimeProvider? time)
    {
        store.Initialize();
        NoteSigner signer = LoadOrCreateKey(options, store);
        TransparencyLog log = TransparencyLog.Open(store, signer);

        var service = new RegistryService(options, store, log, time ?? TimeProvider.System, Safeguards.FromOptions(options));
        service.LoadVersions();
        service.StartPublisher();
        service.StartFollower();
        return service;
    }

    private static NoteSigner LoadOrCreateKey(RegistryOptions options, RegistryStore store)
    {
        // The origin is set under the store's write lock, so that of several nodes starting on an empty database one
        // creates the log's identity and the others find it.
        using RegistrySession session = store.BeginWrite();
        string? origin = session.GetMeta("origin");
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

            session.SetMeta("origin", signer.Name);
            session.Commit();
            return signer;
        }

        if (origin is not null)
        {
            throw new RegistryConfigurationException($"{store.Description} holds the log of origin {origin}, but {options.LogKeyPath} is missing: copy log.key from the data directory of the node that created the log (the log key is the log's identity and cannot be made again)");
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
        session.SetMeta("origin", name);
        session.Commit();
        return created;
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

        return Write((session, log) =>
        {
            if (session.AuthorityExists(id))
            {
                throw RegistryProblem.Conflict("id", $"the authority '{id}' already exists");
            }

            (long index, _) = log(new AuthorityRegistered
            {
                Time = _time.GetUtcNow(),
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
        return Write((session, log) =>
        {
            if (authority is not null && !session.AuthorityExists(authority))
            {
                throw RegistryProblem.Invalid("authority", $"the authority '{authority}' does not exist");
            }

            DateTimeOffset time = _time.GetUtcNow();
            string now = FormatTime(time);
            (long index, _) = log(new KeyCreated { Time = time, Key = id, Role = RoleName(role), Authority = authority });
            session.InsertKey(id, key.SecretHash, RoleName(role), authority, now, index);
            return new Api.KeyCreated(id, key.Text, RoleName(role), authority, index);
        });
    }

    /// <summary>Revokes an API key (logged as <c>key.revoked</c>).</summary>
    public void RevokeKey(string id)
    {
        Write((session, log) =>
        {
            switch (session.FindKey(id))
            {
                case null:
                    throw RegistryProblem.NotFound($"there is no key '{id}'");
                case { Revoked: true }:
                    throw RegistryProblem.Conflict("id", $"the key '{id}' is already revoked");
            }

            DateTimeOffset time = _time.GetUtcNow();
            string now = FormatTime(time);
            log(new KeyRevoked { Time = time, Key = id });
            session.RevokeKey(id, now);
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
        return Write((session, log) =>
        {
            (byte[] _, string role, string? authority, bool revoked) = session.FindKey(id) ?? throw RegistryProblem.NotFound($"there is no key '{id}'");
            if (revoked)
            {
                throw RegistryProblem.Conflict("id", $"the key '{id}' is revoked; create a new one");
            }

            (long index, _) = log(new KeyRotated { Time = _time.GetUtcNow(), Key = id });
            session.SetKeySecret(id, key.SecretHash);
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
        using RegistrySession session = _store.OpenRead();
        if (session.FindKey(id) is not { Revoked: false } found || !presented.Value.Matches(found.SecretHash))
        {
            return null;
        }

        _ = TryParseRole(found.Role, out Role role);
        return new Caller(id, role, found.Authority);
    }

    /// <summary>All authorities.</summary>
    public List<Api.AuthorityView> ListAuthorities()
    {
        using RegistrySession session = _store.OpenRead();
        return session.ListAuthorities();
    }

    /// <summary>Reads log entries [start, start + count) of the published tree.</summary>
    public List<byte[]> ReadEntries(ulong start, int count)
    {
        using RegistrySession session = _store.OpenRead();
        return session.ReadEntries((long)start, count);
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

    internal static string Required(string? value, string field, int maxLength)
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
        StopFollower();
        _log.Dispose();
        _store.Dispose();
        _writer.Dispose();
        _lock?.Dispose();
    }
}
