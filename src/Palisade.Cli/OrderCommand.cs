using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Palisade.Core;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade order issue|amend|revoke|show|list</c>: a clerk's orders through the registry's API, with flags for every
/// field, long target lists from a file or standard input, and <c>--dry-run</c>, which shows the canonical targets, the
/// safeguards they hit and the orders in force that already cover them without writing anything.
/// </summary>
internal static class OrderCommand
{
    private const string ExitCodesText =
        "Exit codes: 0 done (for --dry-run: the request would be accepted); 1 usage; 2 the registry refused a value, or a " +
        "--dry-run hit a safeguard without --override (the message names the field); 3 the registry is unreachable or " +
        "failed; 4 the registry refused the key.";

    private static readonly Option<string> Registry = new("--registry") { Description = "The registry's base URL, such as http://127.0.0.1:8440.", Required = true };
    private static readonly Option<string?> Key = new("--key") { Description = "The API key (default: the PALISADE_KEY environment variable). Orders need the issuing authority's key." };
    private static readonly Option<bool> AsJson = new("--json") { Description = "Print the registry's JSON answer instead of a table." };
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Check everything and show what would be recorded, the safeguards hit and the orders already covering each target; write nothing." };
    private static readonly Option<string[]> Overrides = new("--override")
    {
        Description = "TARGET=JUSTIFICATION: cover a protected target (public suffix, protected resource, wide prefix); the justification is logged. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string?> TargetsFile = new("--targets-file") { Description = "Read targets from FILE, one per line ('-' for standard input; blank lines and lines starting with # are skipped)." };

    public static Command Create(TextReader stdin, TextWriter stdout, TextWriter stderr) => new("order", "Issue, amend, revoke, show and list orders at a registry.\n\n" + ExitCodesText)
    {
        Issue(stdin, stdout, stderr), Amend(stdin, stdout, stderr), Revoke(stdout, stderr), Show(stdout, stderr), List(stdout, stderr),
    };

    private static Command Issue(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var decision = new Option<string>("--decision") { Description = "The decision number, unique per authority.", Required = true };
        var decisionDate = new Option<string?>("--decision-date") { Description = "The decision's date, YYYY-MM-DD (default: today, UTC)." };
        var legalBasis = new Option<string>("--legal-basis") { Description = "The law and article the order rests on.", Required = true };
        var category = new Option<string>("--category") { Description = "A lower-case category such as court-order, csam, malware, phishing, copyright.", Required = true };
        var summary = new Option<string?>("--summary") { Description = "The public summary (default: names the category, decision and legal basis)." };
        var issuingBody = new Option<string?>("--issuing-body") { Description = "The body that took the decision, such as a court (default: the authority's name)." };
        var effective = new Option<string?>("--effective") { Description = "When enforcement starts, RFC 3339 (default: now)." };
        var expires = new Option<string?>("--expires") { Description = "When enforcement ends, RFC 3339 (default: no expiry)." };
        var targets = new Option<string[]>("--target") { Description = "A target: a name, *.pattern, http(s) URL or IP prefix, in any spelling with one canonical form. Repeatable." };
        var cites = new Option<string[]>("--cite") { Description = "ORIGIN=INDEX: a foreign order this order acts on (an entry of a foreign log this registry mirrors). Repeatable." };
        var command = new Command("issue", "Issue an order for the key's authority and print its reference.\n\n" + ExitCodesText)
        {
            Registry, Key, decision, decisionDate, legalBasis, category, summary, issuingBody, effective, expires, targets, TargetsFile, Overrides, cites, DryRun, AsJson,
        };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("order issue", stderr, async () =>
        {
            List<string> list = await Targets(parseResult, parseResult.GetValue(targets), stdin, cancellationToken).ConfigureAwait(false);
            if (list.Count == 0)
            {
                throw new CommandFailedException(ExitCodes.Usage, "an order names at least one target: --target T or --targets-file FILE");
            }

            string decisionText = parseResult.GetValue(decision)!;
            string date = parseResult.GetValue(decisionDate) ?? DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string basis = parseResult.GetValue(legalBasis)!;
            string categoryText = parseResult.GetValue(category)!;
            var body = new JsonObject
            {
                ["decision"] = decisionText,
                ["decisionDate"] = date,
                ["legalBasis"] = basis,
                ["category"] = categoryText,
                ["summary"] = parseResult.GetValue(summary) ?? $"Order ({categoryText}) under decision {decisionText} of {date}, on the basis of {basis}.",
                ["effective"] = parseResult.GetValue(effective) ?? LogTime.Format(DateTimeOffset.UtcNow),
                ["targets"] = new JsonArray([.. list.Select(t => JsonValue.Create(t))]),
            };
            SetIfGiven(body, "issuingBody", parseResult.GetValue(issuingBody));
            SetIfGiven(body, "expires", parseResult.GetValue(expires));
            SetOverrides(body, parseResult.GetValue(Overrides));
            if (parseResult.GetValue(cites) is { Length: > 0 } citations)
            {
                body["cites"] = new JsonArray([.. citations.Select(Citation)]);
            }

            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(Registry), parseResult.GetValue(Key), keyRequired: true);
            return await Send(client, "v1/orders", body, "issued", parseResult, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Amend(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var reference = new Argument<string>("REFERENCE") { Description = "The order's reference, AUTHORITY/DECISION." };
        var add = new Option<string[]>("--add") { Description = "A target to add. Repeatable (also --targets-file)." };
        var remove = new Option<string[]>("--remove") { Description = "A target to remove. Repeatable." };
        var expires = new Option<string?>("--expires") { Description = "A new expiry, RFC 3339." };
        var removeExpiry = new Option<bool>("--remove-expiry") { Description = "Remove the expiry." };
        var reason = new Option<string?>("--reason") { Description = "Why the order changes (public)." };
        var command = new Command("amend", "Add or remove targets of an order, or change its expiry.\n\n" + ExitCodesText)
        {
            reference, Registry, Key, add, remove, TargetsFile, expires, removeExpiry, reason, Overrides, DryRun, AsJson,
        };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("order amend", stderr, async () =>
        {
            OrderReference order = Reference(parseResult.GetValue(reference));
            List<string> added = await Targets(parseResult, parseResult.GetValue(add), stdin, cancellationToken).ConfigureAwait(false);
            var body = new JsonObject();
            if (added.Count > 0)
            {
                body["add"] = new JsonArray([.. added.Select(t => JsonValue.Create(t))]);
            }

            if (parseResult.GetValue(remove) is { Length: > 0 } removed)
            {
                body["remove"] = new JsonArray([.. removed.Select(t => JsonValue.Create(t))]);
            }

            SetIfGiven(body, "expires", parseResult.GetValue(expires));
            if (parseResult.GetValue(removeExpiry))
            {
                body["removeExpiry"] = true;
            }

            SetIfGiven(body, "reason", parseResult.GetValue(reason));
            SetOverrides(body, parseResult.GetValue(Overrides));
            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(Registry), parseResult.GetValue(Key), keyRequired: true);
            return await Send(client, order.ApiPath.TrimStart('/') + "/amend", body, "amended", parseResult, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Revoke(TextWriter stdout, TextWriter stderr)
    {
        var reference = new Argument<string>("REFERENCE") { Description = "The order's reference, AUTHORITY/DECISION." };
        var reason = new Option<string?>("--reason") { Description = "Why the order is revoked (public)." };
        var command = new Command("revoke", "Revoke an order.\n\n" + ExitCodesText) { reference, Registry, Key, reason, AsJson };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("order revoke", stderr, async () =>
        {
            OrderReference order = Reference(parseResult.GetValue(reference));
            var body = new JsonObject();
            SetIfGiven(body, "reason", parseResult.GetValue(reason));
            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(Registry), parseResult.GetValue(Key), keyRequired: true);
            return await Send(client, order.ApiPath.TrimStart('/') + "/revoke", body, "revoked", parseResult, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Show(TextWriter stdout, TextWriter stderr)
    {
        var reference = new Argument<string>("REFERENCE") { Description = "The order's reference, AUTHORITY/DECISION." };
        var command = new Command("show", "Show an order: its fields, status, targets, history and operators (no key needed).\n\n" + ExitCodesText) { reference, Registry, Key, AsJson };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("order show", stderr, async () =>
        {
            OrderReference order = Reference(parseResult.GetValue(reference));
            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(Registry), parseResult.GetValue(Key), keyRequired: false);
            JsonNode view = await client.GetAsync(order.ApiPath.TrimStart('/') + "?data=false&targetLimit=10000", cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(AsJson))
            {
                await stdout.WriteLineAsync(view.ToJsonString(Indented)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var fields = new TextTable("field", "value");
            foreach (string name in (string[])["reference", "status", "authority", "decision", "decisionDate", "issuingBody", "legalBasis", "category", "effective", "expires", "revoked", "summary", "url"])
            {
                if (view[name] is JsonValue value)
                {
                    fields.Add(name, value.ToString());
                }
            }

            fields.Write(stdout);
            await stdout.WriteLineAsync().ConfigureAwait(false);
            var targets = new TextTable("kind", "target", "shown as");
            foreach (JsonNode? t in view["targets"]!.AsArray())
            {
                string value = t!["value"]!.GetValue<string>();
                targets.Add(t["kind"]!.GetValue<string>(), value, OrderTarget.UnicodeForm(value));
            }

            targets.Write(stdout);
            long total = view["targetCount"]?.GetValue<long>() ?? targets.Count;
            if (total > targets.Count)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"… {total - targets.Count} more targets (--json, or the API's targetsAfter cursor)")).ConfigureAwait(false);
            }

            await stdout.WriteLineAsync().ConfigureAwait(false);
            var history = new TextTable("event", "time", "log index");
            foreach (JsonNode? e in view["history"]!.AsArray())
            {
                history.Add(e!["type"]!.GetValue<string>(), e["time"]!.GetValue<string>(), e["logIndex"]!.ToString());
            }

            history.Write(stdout);
            if (view["operators"] is JsonArray { Count: > 0 } operators)
            {
                await stdout.WriteLineAsync().ConfigureAwait(false);
                var table = new TextTable("operator", "status", "version", "acknowledged", "deadline");
                foreach (JsonNode? o in operators)
                {
                    table.Add(o!["operator"]!.GetValue<string>(), o["status"]!.GetValue<string>(), o["version"]!.ToString(), o["acknowledged"]?.GetValue<string>(), o["deadline"]!.GetValue<string>());
                }

                table.Write(stdout);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var authority = new Option<string?>("--authority") { Description = "Only this authority's orders." };
        var limit = new Option<int>("--limit") { Description = "At most this many orders, newest first (1 to 1000).", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List orders, newest first (no key needed).\n\n" + ExitCodesText) { Registry, Key, authority, limit, AsJson };
        command.SetAction((parseResult, cancellationToken) => CommandFailedException.Run("order list", stderr, async () =>
        {
            int n = parseResult.GetValue(limit);
            if (n is < 1 or > 1000)
            {
                throw new CommandFailedException(ExitCodes.Usage, $"--limit {n} is not between 1 and 1000");
            }

            string query = string.Create(CultureInfo.InvariantCulture, $"v1/orders?limit={n}");
            if (parseResult.GetValue(authority) is { } id)
            {
                query += "&authority=" + Uri.EscapeDataString(id);
            }

            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(Registry), parseResult.GetValue(Key), keyRequired: false);
            JsonNode list = await client.GetAsync(query, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(AsJson))
            {
                await stdout.WriteLineAsync(list.ToJsonString(Indented)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var table = new TextTable("reference", "status", "category", "effective", "targets");
            foreach (JsonNode? o in list["orders"]!.AsArray())
            {
                table.Add(o!["reference"]!.GetValue<string>(), o["status"]!.GetValue<string>(), o["category"]!.GetValue<string>(), o["effective"]!.GetValue<string>(), o["targets"]!.ToString());
            }

            table.Write(stdout);
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sends an issue, amendment or revocation (or its preview with --dry-run) and prints the outcome.</summary>
    private static async Task<int> Send(RegistryClient client, string path, JsonObject body, string verb, ParseResult parseResult, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool dryRun = parseResult.GetResult(DryRun) is not null && parseResult.GetValue(DryRun);
        JsonNode answer = await client.SendAsync(HttpMethod.Post, dryRun ? path + "?dryRun=true" : path, body, cancellationToken).ConfigureAwait(false);
        if (parseResult.GetValue(AsJson))
        {
            await stdout.WriteLineAsync(answer.ToJsonString(Indented)).ConfigureAwait(false);
            return !dryRun || answer["accepted"]!.GetValue<bool>() ? ExitCodes.Success : ExitCodes.InvalidInput;
        }

        if (dryRun)
        {
            return await WritePreview(answer, stdout).ConfigureAwait(false);
        }

        string reference = answer["reference"]!.GetValue<string>();
        await stdout.WriteLineAsync(reference).ConfigureAwait(false);
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{verb} {reference} at log index {answer["logIndex"]}; {answer["url"]}")).ConfigureAwait(false);
        foreach (JsonNode? t in answer["targets"]!.AsArray())
        {
            string written = t!["written"]!.GetValue<string>();
            string recorded = t["recorded"]!.GetValue<string>();
            if (written != recorded)
            {
                await stderr.WriteLineAsync($"{t["field"]}: '{written}' recorded as '{recorded}'").ConfigureAwait(false);
            }
        }

        return ExitCodes.Success;
    }

    private static async Task<int> WritePreview(JsonNode preview, TextWriter stdout)
    {
        var table = new TextTable("field", "written", "recorded", "safeguard", "covered by");
        foreach (JsonNode? t in preview["targets"]!.AsArray().Concat(preview["remove"]!.AsArray()))
        {
            string? protection = t!["protection"]?.GetValue<string>();
            string safeguard = protection is null ? "" : (t["overridden"]!.GetValue<bool>() ? "overridden: " : "REFUSED: ") + protection;
            string covered = string.Join(", ", t["coveredBy"]!.AsArray().Select(m => $"{m!["order"]} ({m["target"]}, {m["match"]})"));
            table.Add(t["field"]!.GetValue<string>(), t["written"]!.GetValue<string>(), t["recorded"]!.GetValue<string>(), safeguard, covered);
        }

        table.Write(stdout);
        bool accepted = preview["accepted"]!.GetValue<bool>();
        await stdout.WriteLineAsync(accepted
            ? $"dry run: {preview["type"]} of {preview["reference"]} would be accepted; nothing was written"
            : $"dry run: {preview["type"]} of {preview["reference"]} would be refused: a target hits a safeguard without --override TARGET=JUSTIFICATION; nothing was written").ConfigureAwait(false);
        return accepted ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    /// <summary>The targets of --target (or --add) and of --targets-file, in that order.</summary>
    private static async Task<List<string>> Targets(ParseResult parseResult, string[]? given, TextReader stdin, CancellationToken cancellationToken)
    {
        List<string> targets = [.. given ?? []];
        if (parseResult.GetValue(TargetsFile) is not { } file)
        {
            return targets;
        }

        string text;
        try
        {
            text = file == "-" ? await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false) : await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException(ExitCodes.InvalidInput, $"--targets-file {file}: {e.Message}");
        }

        foreach (string line in text.Split('\n'))
        {
            string target = line.Trim();
            if (target.Length > 0 && !target.StartsWith('#'))
            {
                targets.Add(target);
            }
        }

        return targets;
    }

    private static OrderReference Reference(string? text) => OrderReference.TryParse(text, out OrderReference reference)
        ? reference
        : throw new CommandFailedException(ExitCodes.Usage, $"'{text}' is not an order reference of the form AUTHORITY/DECISION");

    private static void SetIfGiven(JsonObject body, string name, string? value)
    {
        if (value is not null)
        {
            body[name] = value;
        }
    }

    private static void SetOverrides(JsonObject body, string[]? overrides)
    {
        if (overrides is not { Length: > 0 })
        {
            return;
        }

        var list = new JsonArray();
        foreach (string o in overrides)
        {
            int equals = o.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == o.Length - 1)
            {
                throw new CommandFailedException(ExitCodes.Usage, $"--override '{o}' is not TARGET=JUSTIFICATION");
            }

            list.Add(new JsonObject { ["target"] = o[..equals], ["justification"] = o[(equals + 1)..] });
        }

        body["overrides"] = list;
    }

    private static JsonObject Citation(string text)
    {
        int equals = text.LastIndexOf('=');
        if (equals <= 0 || !long.TryParse(text.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long index))
        {
            throw new CommandFailedException(ExitCodes.Usage, $"--cite '{text}' is not ORIGIN=INDEX");
        }

        return new JsonObject { ["origin"] = text[..equals], ["index"] = index };
    }
}
