using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Palisade.Client;
using Palisade.Formats;
using Palisade.Policy;

namespace Palisade.Delisting;

/// <summary>
/// A search engine's enforcement point: follows the registry's delisting feed and keeps a file equal to the delisting
/// records in force (the <c>delisting</c> export format, one JSON object per line), replaced atomically at each version
/// and whenever an order takes effect or expires. What <c>palisade delisting</c> runs on an <see cref="EnforcementHost"/>,
/// which acknowledges each version once its file is in place.
/// </summary>
/// <param name="path">The file kept; its directory must exist.</param>
public sealed partial class DelistingPoint(string path) : IEnforcementPoint
{
    private EnforcementHost? _host;
    private ILogger _logger = NullLogger.Instance;
    private ulong _written;
    private string? _content;

    /// <inheritdoc />
    public SubscriptionFeed Feed => SubscriptionFeed.Delisting;

    /// <summary>The file kept.</summary>
    public string Path => path;

    /// <inheritdoc />
    public Task StartAsync(EnforcementHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _logger = host.Loggers.CreateLogger("Palisade.Delisting");
        return Task.CompletedTask;
    }

    /// <summary>Rewrites the file when the records in force now differ from what it holds.</summary>
    public async Task<EnforceResult> EnforceAsync(CompiledPolicy policy, EnforceReason reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        EnforcementHost host = _host ?? throw new InvalidOperationException("the delisting point has not started");
        long now = host.Time.GetUtcNow().ToUnixTimeMilliseconds();
        List<BundleEntry> active = [.. policy.Bundle.Entries.Where(e => e.Order.IsActiveAt(now))];
        var text = new StringWriter(CultureInfo.InvariantCulture);
        PolicyExporter.Write(text, ExportFormat.Delisting, policy.Bundle, active, new ExportOptions { Registry = host.Registry });
        string content = text.ToString();
        if (policy.Version != _written || content != _content)
        {
            try
            {
                await File.WriteAllTextAsync(path + ".tmp", content, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
                File.Move(path + ".tmp", path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogNotWritten(_logger, path, policy.Version, e.Message);
                return EnforceResult.Failed;
            }

            _written = policy.Version;
            _content = content;
            LogWritten(_logger, path, policy.Version, active.Count);
        }

        // The policy's epoch ends when its next order takes effect or expires (computed once per epoch, not per call).
        long until = policy.EpochAt(now).UntilMs;
        return new EnforceResult(true, until == long.MaxValue ? null : until);
    }

    /// <inheritdoc />
    public void WriteMetrics(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        PolicySubscription subscription = (_host ?? throw new InvalidOperationException("the delisting point has not started")).Subscription;
        writer.Write(FormattableString.Invariant($"# HELP palisade_policy_version The delisting feed version verified.\n# TYPE palisade_policy_version gauge\npalisade_policy_version {subscription.Current.Version}\n"));
        writer.Write(FormattableString.Invariant($"# HELP palisade_policy_verification_failures_total Updates refused: a file did not verify or arrive; the last good version stays.\n# TYPE palisade_policy_verification_failures_total counter\npalisade_policy_verification_failures_total {subscription.Failures}\n"));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Wrote {Path}: delisting feed version {Version}, {Records} records in force")]
    private static partial void LogWritten(ILogger logger, string path, ulong version, int records);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Error, Message = "Cannot write {Path} for version {Version} (it keeps the last version written; retrying): {Reason}")]
    private static partial void LogNotWritten(ILogger logger, string path, ulong version, string reason);
}
