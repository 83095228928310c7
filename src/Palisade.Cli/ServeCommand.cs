using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Dns;
using Palisade.Registry;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade serve</c>: the main job. Opens (creating on first run) the SQLite registry under the data directory,
/// checks its log, prints a first admin key once on a new registry, and serves the API and the log until stopped. With
/// <c>--dns</c> it also runs the enforcing DNS server, subscribed to this registry over loopback (the same verified path
/// a remote enforcement point takes), with its metrics at <c>/metrics</c> (and the registry's federation metrics).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The documented default listening address.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8440";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string?>("--urls") { Description = $"Listening URLs, separated by ';' (as ASP.NET Core's --urls). Default: {DefaultUrls}." };
        var origin = new Option<string?>("--origin") { Description = "The log's checkpoint origin, fixed when the log is created. Default: palisade.local/<random>." };
        var publicUrl = new Option<string?>("--public-url") { Description = "The registry's public base URL, used in order URLs. Default: the first listening URL." };
        var blockPage = new Option<string?>("--block-page") { Description = "Serve the block page (HTTP 451 for any Host) on this URL, such as http://127.0.0.1:8080." };
        var witnesses = new Option<string[]>("--witness")
        {
            Description = "A witness to ask for cosignatures of each new checkpoint, URL=VKEY (its URL prefix or a Palisade registry's base URL, and its " +
                "cosignature/v1 verifier key); repeatable. /log/checkpoint then carries their cosignatures.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var follow = new Option<string[]>("--follow")
        {
            Description = "Mirror a foreign registry's log, read-only and verified, URL=VKEY (its base URL and its log key); repeatable. " +
                "Its orders are listed at /v1/mirrors and never enforced.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var deadlines = new Option<string[]>("--deadline")
        {
            Description = "How long operators have to acknowledge a version holding an order of a category, CATEGORY=DURATION (such as piracy=30m, court-order=24h, " +
                "or 2d, 90s); repeatable. Others: 24h.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var rpzSecondaries = new Option<string[]>("--rpz-secondary")
        {
            Description = "ADDRESS=POINT: the RPZ secondary at ADDRESS (a --notify target) is enforcement point POINT; each newer serial it transfers is logged " +
                "as the point's point.transferred (repeatable; docs/operators.md).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var dns = new DnsOptionsBinder();
        var command = new Command("serve", "Run the registry (SQLite) with its transparency log and HTTP API in one process, and with --dns the " +
            "enforcing DNS server following it (metrics at /metrics).\n\n" +
            "Settings come from appsettings.json (section Palisade), the environment (Palisade__DataDirectory, …) and these flags. " +
            "Exit codes: 0 stopped; 1 usage; 4 a setting or the stored data is invalid, or an address cannot be bound.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, urls, origin, publicUrl, blockPage, witnesses, follow, deadlines, rpzSecondaries,
        };
        foreach (Option option in dns.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (dns.Bind(parseResult, portal: null, out string? dnsError) is not { } dnsOptions)
            {
                await stderr.WriteLineAsync($"palisade serve: {dnsError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (RpzSecondaryPoints.Parse(parseResult.GetValue(rpzSecondaries) ?? [], dnsOptions.Notify, out string? secondaryError) is not { } secondaryPoints)
            {
                await stderr.WriteLineAsync($"palisade serve: {secondaryError}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            RegistryService registry;
            try
            {
                RegistryOptions options = RegistryConfiguration.Load(parseResult, origin, publicUrl);
                foreach (string witness in parseResult.GetValue(witnesses) ?? [])
                {
                    try
                    {
                        options.Witnesses.Add(WitnessEndpoint.Parse(witness));
                    }
                    catch (FormatException e)
                    {
                        throw new RegistryConfigurationException($"--witness {witness}: {e.Message}", e);
                    }
                }

                foreach (string target in parseResult.GetValue(follow) ?? [])
                {
                    try
                    {
                        options.Follow.Add(FollowTarget.Parse(target));
                    }
                    catch (FormatException e)
                    {
                        throw new RegistryConfigurationException($"--follow {target}: {e.Message}", e);
                    }
                }

                foreach (string deadline in parseResult.GetValue(deadlines) ?? [])
                {
                    int equals = deadline.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0 || !TryParseDuration(deadline[(equals + 1)..], out TimeSpan duration))
                    {
                        throw new RegistryConfigurationException($"--deadline {deadline}: not CATEGORY=DURATION with a duration such as 30m, 24h, 2d or 90s");
                    }

                    options.Deadlines[deadline[..equals]] = duration;
                }

                registry = RegistryService.Open(options);
            }
            catch (RegistryConfigurationException e)
            {
                await stderr.WriteLineAsync($"palisade serve: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            using (registry)
            {

                string[] listen = (RegistryConfiguration.Urls(parseResult, urls) ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                string? blockPageUrl = parseResult.GetValue(blockPage);
                RegistryHost host;
                try
                {
                    // The registry's own warnings and errors (a fault answered 500 is logged with its trace id) go to the
                    // console; the DNS server and the block page are hosted services of the same host.
                    host = await RegistryHost.StartAsync(registry, listen,
                        logging: b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning)
                            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None),
                        routes: app => MetricsEndpoint.Map(app, registry.WriteMetrics, text => app.Services.GetService<DnsPointService>()?.Point?.WriteMetrics(text)),
                        cancellationToken: cancellationToken,
                        services: services =>
                        {
                            if (dnsOptions.Listen.Count > 0)
                            {
                                services.AddSingleton(provider => new DnsPointService(registry, dnsOptions, secondaryPoints,
                                    provider.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(), provider.GetRequiredService<ILoggerFactory>()));
                                services.AddHostedService(provider => provider.GetRequiredService<DnsPointService>());
                            }

                            if (blockPageUrl is not null)
                            {
                                services.AddSingleton(_ => new BlockPageService(registry, blockPageUrl));
                                services.AddHostedService(provider => provider.GetRequiredService<BlockPageService>());
                            }
                        }).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    await stderr.WriteLineAsync($"palisade serve: cannot listen on {string.Join(' ', listen)}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
                catch (RegistryConfigurationException e)
                {
                    await stderr.WriteLineAsync($"palisade serve: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                await using (host.ConfigureAwait(false))
                {
                    // Made only once everything listens: a start that fails (a port taken) leaves no key that was shown
                    // once and lost; the next start that succeeds makes and shows it.
                    if (!registry.Authorities.HasAdminKey)
                    {
                        Palisade.Registry.Api.KeyCreated admin = registry.Authorities.CreateKey(new Palisade.Registry.Api.CreateKeyRequest { Role = "admin" });
                        await stdout.WriteLineAsync($"First admin key (shown once, keep it safe): {admin.Key}").ConfigureAwait(false);
                    }

                    await stdout.WriteLineAsync($"Palisade registry listening on {string.Join(' ', host.Addresses)}").ConfigureAwait(false);
                    if (host.Services.GetService<BlockPageService>()?.Host is { } blockPageHost)
                    {
                        await stdout.WriteLineAsync($"Palisade block page listening on {string.Join(' ', blockPageHost.Addresses)}").ConfigureAwait(false);
                    }

                    if (host.Services.GetService<DnsPointService>()?.Point is { } enforcement)
                    {
                        await stdout.WriteLineAsync($"Palisade DNS listening on {string.Join(' ', enforcement.Server.UdpEndPoints)} (UDP and TCP), forwarding to {(dnsOptions.Upstreams.Count == 0 ? "no upstream" : string.Join(' ', dnsOptions.Upstreams))}").ConfigureAwait(false);
                    }

                    await stdout.WriteLineAsync($"Log origin {registry.Log.Origin}, tree size {registry.Log.Size}, key {registry.Log.VerifierKey}").ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Reads a duration such as 90s, 30m, 24h or 2d.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) || n <= 0)
        {
            return false;
        }

        duration = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }
}
