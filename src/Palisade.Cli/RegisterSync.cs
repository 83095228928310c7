using System.Globalization;
using System.Text.Json.Nodes;
using Palisade.Core;
using Palisade.Formats;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade import … --sync</c>: brings an authority's orders at a registry up to date with a new dump of its
/// register. A decision already present is amended (the targets the dump adds and the ones it no longer lists), a new
/// one is issued, and an order of the authority that the dump no longer holds is revoked. With <c>--dry-run</c> the
/// changes are printed and none is made.
/// </summary>
internal static class RegisterSync
{
    /// <summary>The most targets one amendment carries (the registry's limit per request).</summary>
    private const int MaxTargetsPerRequest = 100_000;

    public static async Task<int> RunAsync(string registry, string key, string authority, string path, ImportResult result, ImportCommand.OrderDefaults defaults, bool dryRun,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using RegistryClient client = RegistryClient.Open(registry, key, keyRequired: true);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        int issued = 0, amended = 0, unchanged = 0, revoked = 0, added = 0, removed = 0;
        string verb = dryRun ? "would " : "";
        foreach (ImportedOrder order in result.Orders)
        {
            string decision = order.Decision ?? defaults.Decision ?? throw new CommandFailedException(ExitCodes.Usage, "the list names no decision; give --decision");
            listed.Add(decision);
            var reference = new OrderReference(authority, decision);
            HashSet<string>? current = await TargetsAsync(client, reference, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{verb}issue {reference} ({order.Targets.Count} targets)")).ConfigureAwait(false);
                if (!dryRun)
                {
                    await client.SendAsync(HttpMethod.Post, "v1/orders", ImportCommand.OrderBody(order, decision, defaults), cancellationToken).ConfigureAwait(false);
                }

                issued++;
                continue;
            }

            var wanted = new HashSet<string>(order.Targets, StringComparer.Ordinal);
            List<string> add = [.. order.Targets.Where(t => !current.Contains(t))];
            List<string> remove = [.. current.Where(t => !wanted.Contains(t)).Order(StringComparer.Ordinal)];
            if (add.Count == 0 && remove.Count == 0)
            {
                unchanged++;
                continue;
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{verb}amend {reference}: +{add.Count} −{remove.Count} ({Sample(add, remove)})")).ConfigureAwait(false);
            if (!dryRun)
            {
                await AmendAsync(client, reference, add, remove, $"Brought up to date with {Path.GetFileName(path)}", cancellationToken).ConfigureAwait(false);
            }

            amended++;
            added += add.Count;
            removed += remove.Count;
        }

        foreach (string decision in await LiveDecisionsAsync(client, authority, cancellationToken).ConfigureAwait(false))
        {
            if (listed.Contains(decision))
            {
                continue;
            }

            var reference = new OrderReference(authority, decision);
            await stdout.WriteLineAsync($"{verb}revoke {reference} (no longer in the list)").ConfigureAwait(false);
            if (!dryRun)
            {
                await client.SendAsync(HttpMethod.Post, reference.ApiPath.TrimStart('/') + "/revoke",
                    new JsonObject { ["reason"] = $"No longer in the register ({Path.GetFileName(path)})" }, cancellationToken).ConfigureAwait(false);
            }

            revoked++;
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(dryRun ? "dry run, nothing changed: would issue" : "issued")} {issued}, {(dryRun ? "amend" : "amended")} {amended} (+{added} −{removed} targets), " +
            $"{(dryRun ? "revoke" : "revoked")} {revoked}; {unchanged} unchanged at {client.BaseUrl}")).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static string Sample(List<string> add, List<string> remove) =>
        string.Join(", ", add.Take(3).Select(t => "+" + t).Concat(remove.Take(3).Select(t => "−" + t))) + (add.Count + remove.Count > 6 ? ", …" : "");

    /// <summary>An order's targets, every page of them; null when there is no such order. A revoked order cannot be
    /// amended, so its decision is refused with a message.</summary>
    private static async Task<HashSet<string>?> TargetsAsync(RegistryClient client, OrderReference reference, CancellationToken cancellationToken)
    {
        var targets = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            string query = "?data=false&targetLimit=10000" + (after is null ? "" : "&targetsAfter=" + Uri.EscapeDataString(after));
            if (await client.GetOrNullAsync(reference.ApiPath.TrimStart('/') + query, cancellationToken).ConfigureAwait(false) is not { } view)
            {
                return null;
            }

            if (view["status"]?.GetValue<string>() == "revoked")
            {
                throw new CommandFailedException(ExitCodes.InvalidInput, $"the order {reference} is revoked; a revoked decision cannot be brought back (give it a new decision number)");
            }

            foreach (JsonNode? target in view["targets"]!.AsArray())
            {
                targets.Add(target!["value"]!.GetValue<string>());
            }

            after = view["targetsNext"]?.GetValue<string>();
        }
        while (after is not null);
        return targets;
    }

    private static async Task AmendAsync(RegistryClient client, OrderReference reference, List<string> add, List<string> remove, string reason, CancellationToken cancellationToken)
    {
        // Additions first, so that no step leaves the order without targets; each request within the registry's limit.
        for (int i = 0; i < add.Count; i += MaxTargetsPerRequest)
        {
            await client.SendAsync(HttpMethod.Post, reference.ApiPath.TrimStart('/') + "/amend",
                new JsonObject { ["add"] = new JsonArray([.. add.Skip(i).Take(MaxTargetsPerRequest).Select(t => JsonValue.Create(t))]), ["reason"] = reason }, cancellationToken).ConfigureAwait(false);
        }

        for (int i = 0; i < remove.Count; i += MaxTargetsPerRequest)
        {
            await client.SendAsync(HttpMethod.Post, reference.ApiPath.TrimStart('/') + "/amend",
                new JsonObject { ["remove"] = new JsonArray([.. remove.Skip(i).Take(MaxTargetsPerRequest).Select(t => JsonValue.Create(t))]), ["reason"] = reason }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The decision numbers of the authority's orders that are not revoked.</summary>
    private static async Task<List<string>> LiveDecisionsAsync(RegistryClient client, string authority, CancellationToken cancellationToken)
    {
        var decisions = new List<string>();
        string? after = null;
        do
        {
            JsonNode page = await client.GetAsync("v1/orders?limit=1000&authority=" + Uri.EscapeDataString(authority) + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), cancellationToken)
                .ConfigureAwait(false);
            foreach (JsonNode? order in page["orders"]!.AsArray())
            {
                if (order!["status"]!.GetValue<string>() != "revoked")
                {
                    decisions.Add(order["decision"]!.GetValue<string>());
                }
            }

            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);
        return decisions;
    }
}
