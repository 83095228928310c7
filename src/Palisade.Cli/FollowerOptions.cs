using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>The options of an enforcement point that follows a registry (<c>palisade dns</c>, <c>palisade firewall</c>):
/// the registry and its pinned key, the cache directory, the point's key, witnesses, and a metrics listener.</summary>
internal sealed class FollowerOptions
{
    private readonly string _verb;

    public FollowerOptions(string verb, string defaultCache)
    {
        _verb = verb;
        Cache = new Option<string>("--cache") { Description = "Directory for the pinned registry key and the last verified bundle, enforced at once after a restart.", DefaultValueFactory = _ => defaultCache };
    }

    public Option<string> Registry { get; } = new("--registry") { Description = "The registry's base URL.", Required = true };

    public Option<string?> Key { get; } = new("--key") { Description = "The registry's log key (name+keyid+base64). Default: the key it publishes at /log/key (trusted on first use, then pinned in the cache directory)." };

    public Option<string> Cache { get; }

    public Option<string?> Metrics { get; } = new("--metrics") { Description = "Serve Prometheus metrics at /metrics on this URL, such as http://127.0.0.1:9153." };

    public Option<string?> OperatorKey { get; } = new("--operator-key") { Description = "The enforcement point's key file (from 'palisade point create'): acknowledge each version enforced, signed with it." };

    public WitnessOptions Witnesses { get; } = new();

    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[Registry, Key, Cache, Metrics, OperatorKey, Witnesses.VerifierKeys, Witnesses.Quorum])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The registry's URL; null (after saying why) when it is not an absolute http(s) URL.</summary>
    public Uri? BindRegistry(ParseResult parseResult, TextWriter stderr)
    {
        string text = parseResult.GetValue(Registry)!;
        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? url) && (url.Scheme == "http" || url.Scheme == "https"))
        {
            return url;
        }

        stderr.WriteLine($"palisade {_verb}: --registry '{text}' is not an absolute http(s) URL");
        return null;
    }

    /// <summary>Reads the point key, the witnesses and the registry's key (pinning it); the exit code when one fails.</summary>
    public async Task<(int Exit, Follow? Follow)> BindAsync(ParseResult parseResult, Uri registry, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!Witnesses.TryBind(parseResult, stderr, _verb, out WitnessPolicy? policy))
        {
            return (ExitCodes.ConfigurationError, null);
        }

        NoteSigner? pointKey = null;
        if (parseResult.GetValue(OperatorKey) is { } keyFile)
        {
            try
            {
                pointKey = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"palisade {_verb}: --operator-key {keyFile}: {e.Message}").ConfigureAwait(false);
                return (ExitCodes.ConfigurationError, null);
            }
        }

        string cacheDirectory = parseResult.GetValue(Cache)!;
        try
        {
            NoteVerifier verifier = NoteVerifier.Parse(await PinnedKeyAsync(registry, parseResult.GetValue(Key), cacheDirectory, stderr, cancellationToken).ConfigureAwait(false));
            return (ExitCodes.Success, new Follow(registry, verifier, cacheDirectory, policy, pointKey));
        }
        catch (FormatException e)
        {
            pointKey?.Dispose();
            await stderr.WriteLineAsync($"palisade {_verb}: the log key is invalid: {e.Message}").ConfigureAwait(false);
            return (ExitCodes.ConfigurationError, null);
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            pointKey?.Dispose();
            await stderr.WriteLineAsync($"palisade {_verb}: cannot fetch the registry's key from {registry}: {e.Message}").ConfigureAwait(false);
            return (ExitCodes.Unavailable, null);
        }
        catch (CommandFailedException e)
        {
            pointKey?.Dispose();
            await stderr.WriteLineAsync($"palisade {_verb}: {e.Message}").ConfigureAwait(false);
            return (e.ExitCode, null);
        }
    }

    /// <summary>
    /// Runs <paramref name="point"/> on an <see cref="EnforcementHost"/> that follows the registry as the options bound,
    /// with the metrics listener when asked, until the command is cancelled or the process is asked to stop. Every
    /// enforcement-point verb ends here: 0 when stopped, 4 when the point cannot start (the message says why).
    /// </summary>
    /// <param name="parseResult">The command line.</param>
    /// <param name="follow">What <see cref="BindAsync"/> bound.</param>
    /// <param name="point">The point.</param>
    /// <param name="stdout">Where <paramref name="started"/> is written once the point runs.</param>
    /// <param name="stderr">Where a failed start is explained.</param>
    /// <param name="started">The line that says the point runs and what it does.</param>
    /// <param name="cancellationToken">Stops the point.</param>
    public async Task<int> RunAsync(ParseResult parseResult, Follow follow, IEnforcementPoint point, TextWriter stdout, TextWriter stderr, Func<string> started,
        CancellationToken cancellationToken)
    {
        using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        EnforcementHost host;
        try
        {
            host = await EnforcementHost.StartAsync(point, new EnforcementSettings(follow.Registry, follow.Verifier)
            {
                CacheDirectory = follow.CacheDirectory,
                Witnesses = follow.Witnesses,
                PointKey = follow.PointKey,
                Loggers = loggers,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (EnforcementStartException e)
        {
            await stderr.WriteLineAsync($"palisade {_verb}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.ConfigurationError;
        }

        await using (host.ConfigureAwait(false))
        {
            WebApplication? metrics = await StartMetricsAsync(parseResult, host.WriteMetrics, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync(started()).ConfigureAwait(false);
            await RunUntilCancelledAsync(metrics, cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>Starts the metrics listener when <c>--metrics</c> is given; null otherwise.</summary>
    private async Task<WebApplication?> StartMetricsAsync(ParseResult parseResult, Action<TextWriter> write, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(Metrics) is not { } url)
        {
            return null;
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        WebApplication host = builder.Build();
        MetricsEndpoint.Map(host, write);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>Waits until the command is cancelled (Ctrl+C) or the process is asked to stop (SIGTERM, as a service
    /// manager stops it), then stops the metrics listener; the command then exits 0.</summary>
    private static async Task RunUntilCancelledAsync(WebApplication? metrics, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (metrics is not null)
        {
            await metrics.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await metrics.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The key given, else the one pinned in the cache directory, else the registry's published key, pinned.
    /// A key given or pinned that differs from the one the registry publishes now stops the start (exit 4) with both
    /// keys, the file and what to do; a registry that cannot be reached is not a reason to stop (fail-static).</summary>
    private async Task<string> PinnedKeyAsync(Uri registry, string? given, string cacheDirectory, TextWriter stderr, CancellationToken cancellationToken)
    {
        string pinned = Path.Combine(cacheDirectory, "registry.key");
        string? key = given ?? (File.Exists(pinned) ? (await File.ReadAllTextAsync(pinned, cancellationToken).ConfigureAwait(false)).Trim() : null);
        string? published = null;
        try
        {
            using var http = RegistryHttp.Create(key is null ? RegistryHttp.FirstKeyTimeout : RegistryHttp.KeyCheckTimeout);
            published = (await new LogAuditor(http, new Uri(registry, "log/")).FetchVerifierKeyAsync(cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception e) when (key is not null && (e is HttpRequestException or FormatException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await stderr.WriteLineAsync($"palisade {_verb}: cannot compare the key with the one the registry publishes ({e.Message}); continuing with the {(given is null ? "pinned" : "given")} key").ConfigureAwait(false);
        }

        if (key is null)
        {
            key = published!;
            await stderr.WriteLineAsync($"palisade {_verb}: no key given; trusting and pinning the key the registry publishes: {key}").ConfigureAwait(false);
        }
        else if (published is not null && !string.Equals(published, key, StringComparison.Ordinal))
        {
            throw new CommandFailedException(ExitCodes.ConfigurationError, given is null
                ? $"the registry at {registry} now publishes the log key {published}, but the key pinned in {pinned} is {key}, so nothing it publishes will verify. " +
                  $"If the registry was set up again or its key was changed on purpose, pass --key {published} (or remove {pinned} to pin the key it publishes at the next start); " +
                  "otherwise this is not the registry this point has followed, and it must not follow it."
                : $"the registry at {registry} publishes the log key {published}, not the key {key} given with --key, so nothing it publishes would verify. " +
                  $"Check the key with the registry's operator; if {published} is right, pass it with --key.");
        }

        NoteVerifier.Parse(key);
        Directory.CreateDirectory(cacheDirectory);
        await File.WriteAllTextAsync(pinned, key + "\n", cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>What the options bound: the registry, its key, and how the point follows it.</summary>
    internal sealed record Follow(Uri Registry, NoteVerifier Verifier, string CacheDirectory, WitnessPolicy? Witnesses, NoteSigner? PointKey);
}
