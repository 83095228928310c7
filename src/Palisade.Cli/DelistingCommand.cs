using System.CommandLine;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Palisade.Formats;
using Palisade.Policy;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade delisting --registry URL --output FILE</c>: a search engine's enforcement point. Follows the registry's
/// delisting feed (signed versions and deltas, verified like bundles, fail-static) and keeps FILE equal to the
/// delisting records in force (the <c>delisting</c> export format, one JSON object per line), replaced atomically at
/// each version and whenever an order takes effect or expires; acknowledges each version written.
/// </summary>
internal static partial class DelistingCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var follower = new FollowerOptions("delisting", "palisade-delisting");
        var output = new Option<string>("--output", "-o") { Description = "The file kept equal to the delisting records in force (replaced atomically).", Required = true };
        var command = new Command("delisting", "Follow the registry's delisting feed and keep a file of the records in force, for a search engine's index (docs/operators.md).\n\n" +
            "Exit codes: 0 stopped; 1 usage; 3 the registry's key cannot be fetched; 4 a key is invalid, the registry key given or pinned differs from the one the registry publishes, or the output cannot be written.")
        {
            output,
        };
        follower.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (follower.BindRegistry(parseResult, stderr) is not { } registryUrl)
            {
                return ExitCodes.Usage;
            }

            string path = Path.GetFullPath(parseResult.GetValue(output)!);
            if (!Directory.Exists(Path.GetDirectoryName(path)))
            {
                await stderr.WriteLineAsync($"palisade delisting: --output {path}: its directory does not exist").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            (int exit, FollowerOptions.Follow? follow) = await follower.BindAsync(parseResult, registryUrl, stderr, cancellationToken).ConfigureAwait(false);
            if (follow is null)
            {
                return exit;
            }

            using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            ILogger logger = loggers.CreateLogger("Palisade.Delisting");
            var point = new PolicyFollower(registryUrl, follow.Verifier, follow.CacheDirectory, loggers, TimeProvider.System, follow.Witnesses, follow.PointKey, SubscriptionFeed.Delisting);
            using var wake = new SemaphoreSlim(0, 1);
            Task keep = Task.CompletedTask;
            try
            {
                point.Subscription.Swapped += _ =>
                {
                    try
                    {
                        wake.Release();
                    }
                    catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
                    {
                        // Already woken (the loop reads the newest version), or stopped.
                    }
                };
                point.Subscription.LoadCache();
                point.Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));
                keep = KeepAsync(point, path, registryUrl, wake, logger, point.Stopping);
                WebApplication? metrics = await follower.StartMetricsAsync(parseResult, writer => WriteMetrics(writer, point), cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync($"Palisade delisting keeping {path}, following the delisting feed of {registryUrl}").ConfigureAwait(false);
                await FollowerOptions.RunUntilCancelledAsync(metrics, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await point.DisposeAsync().ConfigureAwait(false);
                await keep.ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Rewrites the file at each version and at each time an order takes effect or expires; acknowledges each
    /// version once its file is in place (retrying until the registry records it).</summary>
    private static async Task KeepAsync(PolicyFollower point, string path, Uri registry, SemaphoreSlim wake, ILogger logger, CancellationToken stopping)
    {
        ulong written = 0, acknowledged = 0;
        string? content = null;
        while (!stopping.IsCancellationRequested)
        {
            CompiledPolicy policy = point.Subscription.Current;
            long now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            TimeSpan wait = TimeSpan.FromSeconds(60);
            if (policy.Version > 0)
            {
                List<BundleEntry> active = [.. policy.Bundle.Entries.Where(e => e.Order.IsActiveAt(now))];
                var text = new StringWriter();
                PolicyExporter.Write(text, ExportFormat.Delisting, policy.Bundle, active, new ExportOptions { Registry = registry });
                if (policy.Version != written || text.ToString() != content)
                {
                    try
                    {
                        await File.WriteAllTextAsync(path + ".tmp", text.ToString(), new UTF8Encoding(false), stopping).ConfigureAwait(false);
                        File.Move(path + ".tmp", path, overwrite: true);
                        written = policy.Version;
                        content = text.ToString();
                        LogWritten(logger, path, policy.Version, active.Count);
                    }
                    catch (IOException e)
                    {
                        LogNotWritten(logger, path, policy.Version, e.Message);
                        wait = TimeSpan.FromSeconds(5);
                    }
                }

                if (point.Acknowledger is { } acknowledger && written == policy.Version && acknowledged < written)
                {
                    if (await acknowledger.AcknowledgeAsync(policy.Bundle, stopping).ConfigureAwait(false))
                    {
                        acknowledged = written;
                    }
                    else
                    {
                        wait = TimeSpan.FromSeconds(5);
                    }
                }

                foreach (BundleEntry entry in policy.Bundle.Entries)
                {
                    if (entry.Order.NextChangeAfter(now) is { } at && at - now < wait.TotalMilliseconds)
                    {
                        wait = TimeSpan.FromMilliseconds(at - now);
                    }
                }
            }

            try
            {
                await wake.WaitAsync(wait, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void WriteMetrics(TextWriter writer, PolicyFollower point)
    {
        writer.Write(FormattableString.Invariant($"# HELP palisade_policy_version The delisting feed version verified.\n# TYPE palisade_policy_version gauge\npalisade_policy_version {point.Subscription.Current.Version}\n"));
        writer.Write(FormattableString.Invariant($"# HELP palisade_policy_verification_failures_total Updates refused: a file did not verify or arrive; the last good version stays.\n# TYPE palisade_policy_verification_failures_total counter\npalisade_policy_verification_failures_total {point.Subscription.Failures}\n"));
    }

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Wrote {Path}: delisting feed version {Version}, {Records} records in force")]
    private static partial void LogWritten(ILogger logger, string path, ulong version, int records);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Error, Message = "Cannot write {Path} for version {Version} (it keeps the last version written; retrying): {Reason}")]
    private static partial void LogNotWritten(ILogger logger, string path, ulong version, string reason);
}
