using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>What the registry's parts share: the settings, the store, the log, the writer, the clock, and where links
/// point and messages go.</summary>
internal sealed class RegistryContext(RegistryOptions options, RegistryStore store, TransparencyLog log, TimeProvider time)
{
    public RegistryOptions Options { get; } = options;

    public RegistryStore Store { get; } = store;

    public TransparencyLog Log { get; } = log;

    public TimeProvider Time { get; } = time;

    public Safeguards Safeguards { get; } = Safeguards.FromOptions(options);

    public RegistryWriter Writer { get; } = new(store, log);

    private LoggedOrders? _loggedOrders;

    /// <summary>Checks orders' rows against the log before they are served.</summary>
    public LoggedOrders LoggedOrders => LazyInitializer.EnsureInitialized(ref _loggedOrders, () => new LoggedOrders(this));

    /// <summary>The base URL order URLs are built on.</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:8440";

    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>The mirrors of foreign logs, which citations are checked against.</summary>
    public IReadOnlyList<LogMirror> Mirrors { get; set; } = [];

    /// <summary>The public URL of an order's API resource (decision percent-encoded).</summary>
    public string OrderUrl(string authority, string decision) => new Core.OrderReference(authority, decision).ApiUrl(PublicUrl);
}
