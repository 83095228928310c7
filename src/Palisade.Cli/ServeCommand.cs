using System.CommandLine;
using Palisade.Registry;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade serve</c>: the main job. Opens (creating on first run) the SQLite registry under the data directory,
/// checks its log, prints a first admin key once on a new registry, and serves the API and the log until stopped.
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
        var command = new Command("serve", "Run the registry (SQLite) with its transparency log and HTTP API in one process.\n\n" +
            "Settings come from appsettings.json (section Palisade), the environment (Palisade__DataDirectory, …) and these flags.")
        {
            RegistryConfiguration.Data, urls, origin, publicUrl,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            RegistryService registry;
            try
            {
                registry = RegistryService.Open(RegistryConfiguration.Load(parseResult, origin, publicUrl));
            }
            catch (RegistryConfigurationException e)
            {
                await stderr.WriteLineAsync($"palisade serve: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            using (registry)
            {
                if (registry.IsEmpty)
                {
                    Palisade.Registry.Api.KeyCreated admin = registry.CreateKey(new Palisade.Registry.Api.CreateKeyRequest { Role = "admin" });
                    await stdout.WriteLineAsync($"First admin key (shown once, keep it safe): {admin.Key}").ConfigureAwait(false);
                }

                string[] listen = (RegistryConfiguration.Urls(parseResult, urls) ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                RegistryHost host;
                try
                {
                    host = await RegistryHost.StartAsync(registry, listen, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    await stderr.WriteLineAsync($"palisade serve: cannot listen on {string.Join(' ', listen)}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                await using (host.ConfigureAwait(false))
                {
                    await stdout.WriteLineAsync($"Palisade registry listening on {string.Join(' ', host.Addresses)}").ConfigureAwait(false);
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
}
