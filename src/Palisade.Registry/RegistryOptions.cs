namespace Palisade.Registry;

/// <summary>Settings of a registry, bound from <c>appsettings.json</c>, the environment (<c>Palisade__…</c>) and flags,
/// and validated before anything starts.</summary>
public sealed class RegistryOptions
{
    /// <summary>The directory holding the database and the log key; created on first run.</summary>
    public string DataDirectory { get; set; } = "palisade-data";

    /// <summary>The SQLite database file; by default <c>registry.db</c> in the data directory.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>A PostgreSQL database (an Npgsql connection string or a <c>postgresql://</c> URI) to keep the registry in
    /// instead of the SQLite file; the data directory then holds only the log key and the bundle files.</summary>
    public string? Database { get; set; }

    /// <summary>The log's checkpoint origin and signing key name, fixed when the log is created. By default
    /// <c>palisade.local/</c> and eight random hex digits.</summary>
    public string? Origin { get; set; }

    /// <summary>Witnesses asked to cosign each new checkpoint (<c>--witness URL=VKEY</c>); their cosignatures are served
    /// with the checkpoint.</summary>
    public IList<WitnessEndpoint> Witnesses { get; } = [];

    /// <summary>How long operators have to enforce an order of each category once a version holds it
    /// (<c>--deadline CATEGORY=DURATION</c>, such as <c>piracy=30m</c>); categories not listed get
    /// <see cref="DefaultDeadline"/>.</summary>
    public IDictionary<string, TimeSpan> Deadlines { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>The deadline of categories without one of their own (24 hours).</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Foreign registries whose logs are mirrored, read-only and verified (<c>--follow URL=VKEY</c>).</summary>
    public IList<FollowTarget> Follow { get; } = [];

    /// <summary>How long the registry gathers order changes before it publishes a new version (batching); at most 1 s
    /// keeps the promise that a change is published within a second.</summary>
    public TimeSpan PublishDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Write the full bundle file of version 1 and of every this-many-th version (default 16); every version's
    /// delta is written, the latest bundle is served from memory, and any other bundle is rebuilt from the log when asked
    /// for. 1 writes every bundle.</summary>
    public int FullBundleEvery { get; set; } = 16;

    /// <summary>The most bytes the files rebuilt for old versions (bundles between retention points, order book
    /// snapshots) take under <c>bundles/rebuilt/</c> (default 256 MiB); the ones used least recently go first.</summary>
    public long RebuildCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most measurements one probe stores an hour (default <see cref="Probes.MaxMeasurementsPerHour"/>).</summary>
    public int ProbeMeasurementsPerHour { get; set; } = Probes.MaxMeasurementsPerHour;

    /// <summary>Most bytes of measurement lines one probe stores an hour (default <see cref="Probes.MaxBytesPerHour"/>).</summary>
    public long ProbeBytesPerHour { get; set; } = Probes.MaxBytesPerHour;

    /// <summary>Most reports one probe has open at once (default <see cref="Probes.MaxOpenReports"/>).</summary>
    public int ProbeOpenReports { get; set; } = Probes.MaxOpenReports;

    /// <summary>How long a client may take to send a request's headers before its connection is dropped (default 10 s;
    /// slowloris clients hold a connection, not the server).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The public base URL of the registry, used in order URLs (default: the first listening address).</summary>
    public string? PublicUrl { get; set; }

    /// <summary>IPv4 prefixes shorter than this need an override (default /16).</summary>
    public int WidestIPv4Prefix { get; set; } = 16;

    /// <summary>IPv6 prefixes shorter than this need an override (default /32).</summary>
    public int WidestIPv6Prefix { get; set; } = 32;

    /// <summary>Protected resources beyond the built-in list (public suffixes are always protected): names, <c>*.name</c>
    /// patterns and IP prefixes that an order covers only with an override.</summary>
    public IList<string> ProtectedResources { get; } = [];

    /// <summary>Leave out the built-in list of protected resources (root servers, large shared CDNs).</summary>
    public bool OmitDefaultProtectedResources { get; set; }

    /// <summary>The Public Suffix List file.</summary>
    public string PublicSuffixListPath { get; set; } = Core.PublicSuffixList.DebianPath;

    /// <summary>The database path in effect.</summary>
    public string ResolvedDatabasePath => DatabasePath ?? Path.Combine(DataDirectory, "registry.db");

    /// <summary>The log key file in the data directory.</summary>
    public string LogKeyPath => Path.Combine(DataDirectory, "log.key");

    /// <summary>Checks the settings; the message names the setting that is wrong.</summary>
    /// <exception cref="RegistryConfigurationException">A setting is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new RegistryConfigurationException("Palisade:DataDirectory is empty");
        }

        if (WidestIPv4Prefix is < 0 or > 32)
        {
            throw new RegistryConfigurationException($"Palisade:WidestIPv4Prefix is {WidestIPv4Prefix}; it is a prefix length from 0 to 32");
        }

        if (WidestIPv6Prefix is < 0 or > 128)
        {
            throw new RegistryConfigurationException($"Palisade:WidestIPv6Prefix is {WidestIPv6Prefix}; it is a prefix length from 0 to 128");
        }

        if (PublishDelay < TimeSpan.Zero || PublishDelay > TimeSpan.FromSeconds(60))
        {
            throw new RegistryConfigurationException($"Palisade:PublishDelay is {PublishDelay}; it is between 00:00:00 and 00:01:00");
        }

        if (ProbeMeasurementsPerHour < 0 || ProbeBytesPerHour < 0 || ProbeOpenReports < 0)
        {
            throw new RegistryConfigurationException("Palisade:ProbeMeasurementsPerHour, ProbeBytesPerHour and ProbeOpenReports are 0 or more");
        }

        if (RequestHeadersTimeout <= TimeSpan.Zero)
        {
            throw new RegistryConfigurationException($"Palisade:RequestHeadersTimeout is {RequestHeadersTimeout}; it is a positive time such as 00:00:10");
        }

        if (RebuildCacheBytes < 0)
        {
            throw new RegistryConfigurationException($"Palisade:RebuildCacheBytes is {RebuildCacheBytes}; it is 0 or more");
        }

        if (FullBundleEvery < 1)
        {
            throw new RegistryConfigurationException($"Palisade:FullBundleEvery is {FullBundleEvery}; it is 1 or more");
        }

        if (Origin is not null && !Palisade.Log.SignedNote.IsValidKeyName(Origin))
        {
            throw new RegistryConfigurationException($"Palisade:Origin '{Origin}' is empty or contains a space or '+'");
        }

        if (PublicUrl is not null && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
        {
            throw new RegistryConfigurationException($"Palisade:PublicUrl '{PublicUrl}' is not an absolute http(s) URL");
        }

        if (!File.Exists(PublicSuffixListPath))
        {
            throw new RegistryConfigurationException($"Palisade:PublicSuffixListPath '{PublicSuffixListPath}' does not exist (install Debian's publicsuffix package or set the path)");
        }

        foreach (string resource in ProtectedResources)
        {
            if (!ProtectedResource.TryParse(resource, out _, out string? error))
            {
                throw new RegistryConfigurationException($"Palisade:ProtectedResources entry '{resource}' is invalid: {error}");
            }
        }
    }
}
