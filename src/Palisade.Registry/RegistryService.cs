using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// A registry over one store: opens it (the data-directory lock, the store, the log key, the startup checks) and holds
/// its parts, each a small class over the store — <see cref="Authorities"/>, <see cref="Orders"/>, <see cref="Queries"/>,
/// <see cref="Versions"/>, <see cref="Nodes"/> — which change the registry only through the one <see cref="Writer"/>:
/// every change written to the transparency log and the query tables in one store transaction (shared by the writes
/// waiting at that moment), acknowledged only after that transaction is durable.
/// </summary>
public sealed class RegistryService : IDisposable
{
    private readonly RegistryContext _context;
    private FileStream? _lock;

    private RegistryService(RegistryContext context)
    {
        _context = context;
        // Each part is made after the parts it reads: no part is wired to another after it is made.
        Authorities = new Authorities(context);
        Orders = new OrderDesk(context);
        Versions = new RegistryVersions(context);
        Queries = new RegistryQueries(context, Versions);
        Delisting = new DelistingFeeds(context, Versions);
        Probes = new Probes(context, Versions);
        Operators = new Operators(context, Delisting);
        Nodes = new RegistryNodes(context);
    }

    /// <summary>The settings the registry runs with.</summary>
    public RegistryOptions Options => _context.Options;

    /// <summary>The base URL order URLs are built on.</summary>
    public string PublicUrl
    {
        get => _context.PublicUrl;
        set => _context.PublicUrl = value;
    }

    /// <summary>Where the registry logs what happens among several processes (nothing by default).</summary>
    public ILogger Logger
    {
        get => _context.Logger;
        set => _context.Logger = value;
    }

    internal TransparencyLog Log => _context.Log;

    /// <summary>The registry's clock.</summary>
    internal TimeProvider Time => _context.Time;

    /// <summary>Authorities and API keys.</summary>
    internal Authorities Authorities { get; }

    /// <summary>Operators and their enforcement points.</summary>
    internal Operators Operators { get; }

    /// <summary>Issuing, amending and revoking orders.</summary>
    internal OrderDesk Orders { get; }

    /// <summary>What the API and the portal read.</summary>
    internal RegistryQueries Queries { get; }

    /// <summary>Registry versions and their bundle and delta files.</summary>
    internal RegistryVersions Versions { get; }

    /// <summary>Measurement probes and their measurements.</summary>
    internal Probes Probes { get; }

    /// <summary>The delisting feed: each version's feed file and delta, signed.</summary>
    internal DelistingFeeds Delisting { get; }

    /// <summary>Following other processes over a shared store, and the publisher claim.</summary>
    internal RegistryNodes Nodes { get; }

    /// <summary>The latest checkpoint's signed note, with the cosignatures the registry's witnesses gave it so far.</summary>
    public string CheckpointNote => _collector?.Note ?? _context.Log.State.Note;

    private CosignatureCollector? _collector;

    /// <summary>Writes the registry's federation metrics (Prometheus text format): witnesses' cosignatures of the current
    /// checkpoint, and each mirrored log's verified size and whether it forked.</summary>
    public void WriteMetrics(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_collector is { } collector)
        {
            writer.WriteLine("# HELP palisade_checkpoint_cosignatures Witnesses (--witness) whose cosignature the current checkpoint carries.");
            writer.WriteLine("# TYPE palisade_checkpoint_cosignatures gauge");
            writer.WriteLine($"palisade_checkpoint_cosignatures {collector.Cosignatures.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            writer.WriteLine("# HELP palisade_checkpoint_witnesses Witnesses configured with --witness.");
            writer.WriteLine("# TYPE palisade_checkpoint_witnesses gauge");
            writer.WriteLine($"palisade_checkpoint_witnesses {Options.Witnesses.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        List<Api.OperatorView> operators = Operators.List();
        if (operators.Count > 0)
        {
            long latest = (long)(Versions.LatestVersion?.Version ?? 0);
            writer.WriteLine("# HELP palisade_operator_lag_versions The latest version minus the latest version a point of the operator acknowledged.");
            writer.WriteLine("# TYPE palisade_operator_lag_versions gauge");
            foreach (Api.OperatorView op in operators)
            {
                long acked = op.Points.Max(p => p.AckedVersion) ?? 0;
                writer.WriteLine($"palisade_operator_lag_versions{{operator=\"{Label(op.Id)}\"}} {(latest - acked).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }
        }

        if (Mirrors.Count > 0)
        {
            writer.WriteLine("# HELP palisade_mirror_entries Entries of a foreign log (--follow) verified and mirrored.");
            writer.WriteLine("# TYPE palisade_mirror_entries gauge");
            foreach (LogMirror mirror in Mirrors)
            {
                writer.WriteLine($"palisade_mirror_entries{{origin=\"{Label(mirror.Origin)}\"}} {mirror.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            writer.WriteLine("# HELP palisade_mirror_forked 1 when the foreign log showed two histories; both signed checkpoints are at /v1/mirrors and /mirrors.");
            writer.WriteLine("# TYPE palisade_mirror_forked gauge");
            foreach (LogMirror mirror in Mirrors)
            {
                writer.WriteLine($"palisade_mirror_forked{{origin=\"{Label(mirror.Origin)}\"}} {(mirror.IsForked ? 1 : 0)}");
            }
        }

        static string Label(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>The domestic orders citing entry <paramref name="index"/> of the foreign log <paramref name="origin"/>.</summary>
    public List<string> CitedBy(string origin, long index) => Writer.Locked(() => Writer.Book.CitedBy(origin, index).ToList());

    /// <summary>The mirrors of foreign registries' logs (<see cref="RegistryOptions.Follow"/>).</summary>
    internal IReadOnlyList<LogMirror> Mirrors { get; private set; } = [];

    /// <summary>The registry as a witness of other logs; null when its data directory has no witness key.</summary>
    internal Witness? Witness { get; private set; }

    /// <summary>Whether <paramref name="id"/> is a valid id of an authority, an operator or a point.</summary>
    public static bool IsValidId(string id) => Fields.IsAuthorityId(id);

    /// <summary>Witnesses the log of <paramref name="origin"/>, whose checkpoints <paramref name="verifierKey"/> signs (or
    /// replaces the key of a log already witnessed).</summary>
    public void WitnessLog(string origin, string verifierKey)
    {
        using RegistrySession session = _context.Store.BeginWrite();
        session.AddWitnessedLog(origin, verifierKey);
        session.Commit();
    }

    /// <summary>The writer every change goes through (group commit, catch-up, the order book).</summary>
    internal RegistryWriter Writer => _context.Writer;

    /// <summary>Opens (creating on first run) the data directory, the database and the log key, and checks the log.</summary>
    /// <exception cref="RegistryConfigurationException">A setting is invalid or the stored log does not verify.</exception>
    public static RegistryService Open(RegistryOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!Confusables.IsAvailable)
        {
            // Refusing lookalike decision numbers is not optional: without the skeleton the registry does not start.
            Confusables.Skeleton("");
        }

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
        NoteSigner signer = LogKeyFile.LoadOrCreate(options, store);
        TransparencyLog log = TransparencyLog.Open(store, signer);

        var service = new RegistryService(new RegistryContext(options, store, log, time ?? TimeProvider.System));
        service.Witness = Witness.Open(service._context);
        service.Versions.Load();
        service.Versions.StartPublisher(service.Nodes);
        service.Nodes.Start();
        var mirrors = new List<LogMirror>();
        service.Mirrors = mirrors;
        service._context.Mirrors = mirrors;
        foreach (FollowTarget target in options.Follow)
        {
            var mirror = new LogMirror(service._context, target);
            mirrors.Add(mirror);
            mirror.Start();
        }

        if (options.Witnesses.Count > 0)
        {
            service._collector = new CosignatureCollector(service._context, [.. options.Witnesses]);
        }

        return service;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _collector?.Dispose();
        foreach (LogMirror mirror in Mirrors)
        {
            mirror.Dispose();
        }

        Versions.Dispose();
        Nodes.Dispose();
        _context.Log.Dispose();
        _context.Store.Dispose();
        _context.Writer.Dispose();
        _lock?.Dispose();
    }
}
