using System.CommandLine;
using Palisade.Delisting;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade delisting --registry URL --output FILE</c>: a search engine's enforcement point. Follows the registry's
/// delisting feed (signed versions and deltas, verified like bundles, fail-static) and keeps FILE equal to the
/// delisting records in force (the <c>delisting</c> export format, one JSON object per line), replaced atomically at
/// each version and whenever an order takes effect or expires; acknowledges each version written.
/// </summary>
internal static class DelistingCommand
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

            return await follower.RunAsync(parseResult, follow, new DelistingPoint(path), stdout, stderr,
                () => $"Palisade delisting keeping {path}, following the delisting feed of {registryUrl}", cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
