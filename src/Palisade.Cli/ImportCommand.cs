using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Palisade.Core;
using Palisade.Formats;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade import --format F FILE</c>: reads a block list, canonicalises every entry, reports what was accepted and
/// what was refused and why; with <c>--registry</c> and an authority key it issues one order per decision.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var format = new Option<string>("--format") { Description = FormatNames.Phrase(FormatNames.Import) + ".", Required = true };
        var file = new Argument<string>("FILE") { Description = "The list to read ('-' for standard input)." };
        var zone = new Option<string?>("--zone") { Description = "RPZ only: the zone's origin when the file has no $ORIGIN." };
        var rejectedFile = new Option<string?>("--rejected") { Description = "Write every refused and skipped entry here, as tab-separated line, value, reason." };
        var registry = new Option<string?>("--registry") { Description = "Issue the decisions as orders at this registry (without it, the import only checks the list)." };
        var key = new Option<string?>("--key") { Description = "The authority's API key (or the PALISADE_KEY environment variable)." };
        var decision = new Option<string?>("--decision") { Description = "The decision number for lists that name none (hosts, domains, rpz, csv without a decision column)." };
        var decisionDate = new Option<string?>("--decision-date") { Description = "The decision date (yyyy-MM-dd) where the list gives none. Default: today." };
        var legalBasis = new Option<string?>("--legal-basis") { Description = "The law and article the orders rest on (required with --registry)." };
        var category = new Option<string?>("--category") { Description = "The orders' category, such as court-order (required with --registry)." };
        var summary = new Option<string?>("--summary") { Description = "A public summary. Default: names the imported file." };
        var effective = new Option<string?>("--effective") { Description = "When enforcement starts (RFC 3339). Default: now." };
        var sync = new Option<bool>("--sync")
        {
            Description = "With --registry and --authority: bring the registry up to date with this list. Decisions already present are amended " +
                "(targets added and removed), new ones issued, and the authority's orders that the list no longer holds are revoked.",
        };
        var authority = new Option<string?>("--authority") { Description = "With --sync: the authority the key acts for, whose orders the list replaces." };
        var dryRun = new Option<bool>("--dry-run") { Description = "With --sync: print the issues, amendments and revocations without making them." };
        var command = new Command("import", "Read a block list into canonical targets and report accepted and rejected entries; with --registry, issue its decisions as orders.\n\n" +
            "Exit codes: 0 every entry accepted (and, with --registry, issued); 1 usage; 2 some entries were refused (the rest were processed) " +
            "or the file is not of the format; 3 the registry is unreachable or refused an order.")
        {
            format, file, zone, rejectedFile, registry, key, decision, decisionDate, legalBasis, category, summary, effective, sync, authority, dryRun,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string formatText = parseResult.GetValue(format)!;
            if (!ListImporter.TryParseFormat(formatText, out ImportFormat importFormat))
            {
                await stderr.WriteLineAsync($"palisade import: --format '{formatText}' is not one of {string.Join(", ", FormatNames.Import)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string path = parseResult.GetValue(file)!;
            string? registryText = parseResult.GetValue(registry);
            string? apiKey = parseResult.GetValue(key) ?? Environment.GetEnvironmentVariable("PALISADE_KEY");
            if (registryText is not null && (apiKey is null || parseResult.GetValue(legalBasis) is null || parseResult.GetValue(category) is null))
            {
                await stderr.WriteLineAsync("palisade import: --registry needs --key (or PALISADE_KEY), --legal-basis and --category").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if ((parseResult.GetValue(sync) || parseResult.GetValue(dryRun)) && (registryText is null || parseResult.GetValue(authority) is null || !parseResult.GetValue(sync)))
            {
                await stderr.WriteLineAsync("palisade import: --sync needs --registry and --authority; --dry-run goes with --sync").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            ImportResult result;
            try
            {
                await using Stream input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
                var progress = new Progress<long>(n => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {n:N0} values…")));
                result = ListImporter.Read(input, importFormat, parseResult.GetValue(zone), progress);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"palisade import: {path}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"accepted {result.Accepted} targets in {result.Orders.Count} decisions; rejected {result.Rejected.Count}; skipped {result.Skipped.Count}")).ConfigureAwait(false);
            foreach (ImportRejection rejection in result.Rejected.Take(20))
            {
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"line {rejection.Line}: '{rejection.Value}': {rejection.Reason}")).ConfigureAwait(false);
            }

            if (result.Rejected.Count > 20)
            {
                await stderr.WriteLineAsync($"… and {result.Rejected.Count - 20} more (--rejected FILE lists them all)").ConfigureAwait(false);
            }

            if (parseResult.GetValue(rejectedFile) is { } rejectedPath)
            {
                await using var writer = new StreamWriter(rejectedPath, append: false, new UTF8Encoding(false));
                foreach ((string kind, ImportRejection r) in result.Rejected.Select(r => ("rejected", r)).Concat(result.Skipped.Select(r => ("skipped", r))))
                {
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{r.Line}\t{kind}\t{r.Value.Replace('\t', ' ')}\t{r.Reason}")).ConfigureAwait(false);
                }
            }

            if (registryText is not null)
            {
                DateTimeOffset now = TimeProvider.System.GetUtcNow();
                var defaults = new OrderDefaults(
                    parseResult.GetValue(decision), parseResult.GetValue(decisionDate) ?? now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    parseResult.GetValue(legalBasis)!, parseResult.GetValue(category)!,
                    parseResult.GetValue(summary) ?? $"Imported from {Path.GetFileName(path)} ({formatText})",
                    parseResult.GetValue(effective) ?? LogTime.Format(now));
                int exit = parseResult.GetValue(sync)
                    ? await CommandFailedException.Run("import", stderr, () => RegisterSync.RunAsync(registryText, apiKey!, parseResult.GetValue(authority)!, path, result, defaults,
                        parseResult.GetValue(dryRun), stdout, stderr, cancellationToken)).ConfigureAwait(false)
                    : await IssueAsync(registryText, apiKey!, result, defaults, stdout, stderr, cancellationToken).ConfigureAwait(false);
                if (exit != ExitCodes.Success)
                {
                    return exit;
                }
            }

            return result.Rejected.Count > 0 ? ExitCodes.InvalidInput : ExitCodes.Success;
        });
        return command;
    }

    internal sealed record OrderDefaults(string? Decision, string DecisionDate, string LegalBasis, string Category, string Summary, string Effective);

    /// <summary>The order an imported decision becomes.</summary>
    internal static JsonObject OrderBody(ImportedOrder order, string decision, OrderDefaults defaults)
    {
        var body = new JsonObject
        {
            ["decision"] = decision,
            ["decisionDate"] = order.DecisionDate ?? defaults.DecisionDate,
            ["legalBasis"] = defaults.LegalBasis,
            ["category"] = defaults.Category,
            ["summary"] = defaults.Summary,
            ["effective"] = defaults.Effective,
            ["targets"] = new JsonArray([.. order.Targets.Select(t => JsonValue.Create(t))]),
        };
        if (order.IssuingBody is not null)
        {
            body["issuingBody"] = order.IssuingBody;
        }

        return body;
    }

    private static async Task<int> IssueAsync(string registry, string key, ImportResult result, OrderDefaults defaults, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(registry, UriKind.Absolute, out Uri? baseUrl))
        {
            await stderr.WriteLineAsync($"palisade import: --registry '{registry}' is not an absolute URL").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using HttpClient http = RegistryHttp.Create(RegistryHttp.TransferTimeout, baseUrl, bearerKey: key);
        int issued = 0, present = 0;
        foreach (ImportedOrder order in result.Orders)
        {
            string? decision = order.Decision ?? defaults.Decision;
            if (decision is null)
            {
                await stderr.WriteLineAsync("palisade import: the list names no decision; give --decision").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            JsonObject body = OrderBody(order, decision, defaults);

            try
            {
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using HttpResponseMessage response = await http.PostAsync("v1/orders", content, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    present++;
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    CommandFailedException refusal = await RegistryClient.RefusalAsync(response, cancellationToken).ConfigureAwait(false);
                    await stderr.WriteLineAsync($"palisade import: decision '{decision}': {refusal.Message}").ConfigureAwait(false);
                    return refusal.ExitCode;
                }

                issued++;
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"palisade import: cannot reach the registry at {baseUrl}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"issued {issued} orders at {baseUrl}; {present} decisions were already in the registry")).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
