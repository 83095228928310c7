using System.CommandLine;
using Palisade.Firewall;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade firewall --registry URL [--table NAME]</c>: the firewall enforcement point. Follows a registry through
/// the verified subscription and keeps the nftables sets <c>blocked_v4</c> and <c>blocked_v6</c> of its own table equal
/// to the address prefixes in force, one atomic <c>nft -f</c> transaction per change (docs/operators.md).
/// </summary>
internal static class FirewallCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var follower = new FollowerOptions("firewall", "palisade-firewall");
        var table = new Option<string>("--table") { Description = "The inet table whose two sets this point keeps; nothing else in it is touched.", DefaultValueFactory = _ => "palisade" };
        var nft = new Option<string>("--nft") { Description = "The nft program.", DefaultValueFactory = _ => "nft" };
        var command = new Command("firewall", "Keep nftables sets of the address prefixes in force, following a remote registry (docs/operators.md). " +
            "The operator's own rules in the same table decide what to do with them (drop, reject, mark).\n\n" +
            "Exit codes: 0 stopped; 1 usage; 3 the registry's key cannot be fetched; 4 nft cannot create the table (missing, not permitted) or a key is invalid, or the registry key given or pinned differs from the one the registry publishes.")
        {
            table, nft,
        };
        follower.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (follower.BindRegistry(parseResult, stderr) is not { } registryUrl)
            {
                return ExitCodes.Usage;
            }

            string tableName = parseResult.GetValue(table)!;
            if (!NftablesSets.IsValidTableName(tableName))
            {
                await stderr.WriteLineAsync($"palisade firewall: --table '{tableName}' is not a table name: a letter, then letters, digits or '_', at most {NftablesSets.MaxTableNameLength} characters").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            (int exit, FollowerOptions.Follow? follow) = await follower.BindAsync(parseResult, registryUrl, stderr, cancellationToken).ConfigureAwait(false);
            if (follow is null)
            {
                return exit;
            }

            var point = new FirewallPoint(new NftablesSets(tableName, parseResult.GetValue(nft)!));
            return await follower.RunAsync(parseResult, follow, point, stdout, stderr,
                () => $"Palisade firewall keeping sets inet {tableName} {NftablesSets.IPv4Set} and {NftablesSets.IPv6Set}, following {registryUrl}", cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
