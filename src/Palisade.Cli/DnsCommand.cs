using System.CommandLine;
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
        var follower = new FollowerOptions("dns", "palisade-dns");
        var command = new Command("dns", "Run the enforcing DNS server alone, following a remote registry (docs/dns.md).\n\n" +
            "Exit codes: 0 stopped; 1 usage; 3 the registry's key cannot be fetched; 4 an address cannot be bound, the key is invalid, or the key given or pinned differs from the one the registry publishes (the message names both and what to do).");
        follower.AddTo(command);
        foreach (Option option in dns.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (follower.BindRegistry(parseResult, stderr) is not { } registryUrl)
            {
                return ExitCodes.Usage;
            }

            if (dns.Bind(parseResult, registryUrl, out string? error) is not { } options || options.Listen.Count == 0)
            {
                await stderr.WriteLineAsync($"palisade dns: {error ?? "--dns names no address to serve on"}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            (int exit, FollowerOptions.Follow? follow) = await follower.BindAsync(parseResult, registryUrl, stderr, cancellationToken).ConfigureAwait(false);
            if (follow is null)
            {
                return exit;
            }

            var point = new DnsPoint(options);
            return await follower.RunAsync(parseResult, follow, point, stdout, stderr,
                () => $"Palisade DNS listening on {string.Join(' ', point.Server.UdpEndPoints)} (UDP and TCP), following {registryUrl}", cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
