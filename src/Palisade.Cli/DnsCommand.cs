using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Palisade.Core.Transparency;
using Palisade.Dns;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade dns --registry URL --dns ADDR --upstream ADDR</c>: the enforcing DNS server alone, following a remote
/// registry through the verified subscription, with its metrics on a small HTTP listener.
/// </summary>
internal static class DnsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dns = new DnsOptionsBinder();
        var registry = new Option<string>("--registry") { Description = "The registry's base URL.", Required = true };
        var key = new Option<string?>("--key") { Description = "The registry's log key (name+keyid+base64). Default: the key it publishes at /log/key (trusted on first use, then pinned in the cache directory)." };
        var cache = new Option<string>("--cache") { Description = "Directory for the last verified bundle, enforced at once after a restart.", DefaultValueFactory = _ => "palisade-dns" };
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics at /metrics on this URL, such as http://127.0.0.1:9153." };
        var command = new Command("dns", "Run the enforcing DNS server alone, following a remote registry (docs/dns.md).\n\n" +
            "Exit codes: 0 stopped; 1 usage; 3 the registry's key cannot be fetched; 4 an address cannot be bound or the key is invalid.")
        {
            registry, key, cache, metrics,
        };
        var operatorKey = new Option<string?>("--operator-key") { Description = "The enforcement point's key file (from 'palisade point create'): acknowledge each version enforced, signed with it." };
        command.Options.Add(operatorKey);
        var witnesses = new WitnessOptions();
        command.Options.Add(witnesses.VerifierKeys);
        command.Options.Add(witnesses.Quorum);
        foreach (Option option in dns.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string registryText = parseResult.GetValue(registry)!;
            if (!Uri.TryCreate(registryText, UriKind.Absolute, out Uri? registryUrl) || (registryUrl.Scheme != "http" && registryUrl.Scheme != "https"))
            {
                await stderr.WriteLineAsync($"palisade dns: --registry '{registryText}' is not an absolute http(s) URL").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (dns.Bind(parseResult, registryUrl, out string? error) is not { } options || options.Listen.Count == 0)
            {
                await stderr.WriteLineAsync($"palisade dns: {error ?? "--dns names no address to serve on"}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!witnesses.TryBind(parseResult, stderr, "dns", out WitnessPolicy? policy))
            {
                return ExitCodes.ConfigurationError;
            }

            NoteSigner? pointKey = null;
            if (parseResult.GetValue(operatorKey) is { } keyFile)
            {
                try
                {
                    pointKey = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"palisade dns: --operator-key {keyFile}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
            }

            string cacheDirectory = parseResult.GetValue(cache)!;
            NoteVerifier verifier;
            try
            {
                verifier = NoteVerifier.Parse(await PinnedKeyAsync(registryUrl, parseResult.GetValue(key), cacheDirectory, stderr, cancellationToken).ConfigureAwait(false));
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync($"palisade dns: the log key is invalid: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"palisade dns: cannot fetch the registry's key from {registryUrl}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            using ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            DnsEnforcementPoint enforcement;
            try
            {
                enforcement = DnsEnforcementPoint.Start(registryUrl, verifier, options, cacheDirectory, loggers, witnesses: policy, pointKey: pointKey);
            }
            catch (SocketException e)
            {
                await stderr.WriteLineAsync($"palisade dns: cannot serve DNS on {string.Join(' ', options.Listen)}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            await using (enforcement.ConfigureAwait(false))
            {
                WebApplication? metricsHost = null;
                if (parseResult.GetValue(metrics) is { } metricsUrl)
                {
                    WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
                    builder.WebHost.UseUrls(metricsUrl);
                    builder.Logging.ClearProviders();
                    metricsHost = builder.Build();
                    metricsHost.MapGet("/metrics", () =>
                    {
                        var text = new StringWriter();
                        enforcement.WriteMetrics(text);
                        return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
                    });
                    await metricsHost.StartAsync(cancellationToken).ConfigureAwait(false);
                }

                await stdout.WriteLineAsync($"Palisade DNS listening on {string.Join(' ', enforcement.Server.UdpEndPoints)} (UDP and TCP), following {registryUrl}").ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                if (metricsHost is not null)
                {
                    await metricsHost.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    await metricsHost.DisposeAsync().ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The key given, else the one pinned in the cache directory, else the registry's published key, pinned.</summary>
    private static async Task<string> PinnedKeyAsync(Uri registry, string? given, string cacheDirectory, TextWriter stderr, CancellationToken cancellationToken)
    {
        string pinned = Path.Combine(cacheDirectory, "registry.key");
        string? key = given ?? (File.Exists(pinned) ? (await File.ReadAllTextAsync(pinned, cancellationToken).ConfigureAwait(false)).Trim() : null);
        if (key is null)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            key = await new LogAuditor(http, new Uri(registry, "log/")).FetchVerifierKeyAsync(cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync($"palisade dns: no key given; trusting and pinning the key the registry publishes: {key}").ConfigureAwait(false);
        }

        NoteVerifier.Parse(key);
        Directory.CreateDirectory(cacheDirectory);
        await File.WriteAllTextAsync(pinned, key + "\n", cancellationToken).ConfigureAwait(false);
        return key;
    }
}
