using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;

namespace Palisade.Cli;

/// <summary><c>palisade lookup --registry URL NAME|URL|IP</c>: which orders in force cover a name, a URL or an address,
/// with exit code 6 when none does, so that a script can tell "not covered" from "wrong".</summary>
internal static class LookupCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var registry = new Option<string>("--registry") { Description = "The registry's base URL.", Required = true };
        var value = new Argument<string>("NAME|URL|IP") { Description = "A domain name (any spelling), an http(s) URL or an IPv4/IPv6 address." };
        var json = new Option<bool>("--json") { Description = "Print the registry's JSON answer." };
        var command = new Command("lookup", "Print each order in force that covers a name, a URL or an address (no key needed).\n\n" +
            "Exit codes: 0 at least one order covers it; 1 usage; 2 the value is not a name, URL or address; 3 the registry is unreachable; " +
            "6 no order in force covers it.")
        {
            value, registry, json,
        };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("lookup", stderr, async () =>
        {
            string text = parseResult.GetValue(value)!;
            string kind = text.Contains("://", StringComparison.Ordinal) ? "url" : IPAddress.TryParse(text, out _) ? "ip" : "name";
            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(registry), null, keyRequired: false);
            JsonNode result = await client.GetAsync($"v1/lookup?{kind}={Uri.EscapeDataString(text)}", cancellationToken).ConfigureAwait(false);
            JsonArray matches = result["matches"]!.AsArray();
            if (parseResult.GetValue(json))
            {
                await stdout.WriteLineAsync(result.ToJsonString(OrderCommand.Indented)).ConfigureAwait(false);
            }
            else if (matches.Count == 0)
            {
                await stderr.WriteLineAsync($"no order in force covers {kind} '{result["canonical"]}'").ConfigureAwait(false);
            }
            else
            {
                var table = new TextTable("order", "category", "target", "match");
                foreach (JsonNode? m in matches)
                {
                    table.Add(m!["order"]!.GetValue<string>(), m["category"]!.GetValue<string>(), m["target"]!.GetValue<string>(), m["match"]!.GetValue<string>());
                }

                table.Write(stdout);
            }

            return matches.Count > 0 ? ExitCodes.Success : ExitCodes.NotCovered;
        }));
        return command;
    }
}
