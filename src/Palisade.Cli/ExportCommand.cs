using System.CommandLine;
using Palisade.Formats;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade export --registry URL --format F</c>: fetches the registry's latest version through the same verified
/// subscription enforcement points use, and writes the entries active now in an operator's list format.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var registry = new Option<string>("--registry") { Description = "The registry's base URL, such as http://127.0.0.1:8440.", Required = true };
        var format = new Option<string>("--format") { Description = FormatNames.Phrase(FormatNames.Export) + ".", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write (replaced atomically). Default: standard output." };
        var zone = new Option<string>("--zone") { Description = "The RPZ zone's origin.", DefaultValueFactory = _ => "rpz.palisade" };
        var blockPage = new Option<string?>("--block-page") { Description = "RPZ only: answer a CNAME to this block-page host instead of NXDOMAIN." };
        var key = new Option<string?>("--key") { Description = "The registry's log key (name+keyid+base64). Default: the key it publishes at /log/key (trusted on first use)." };
        var command = new Command("export", "Write the registry's current version, verified, in a list format operators' tools read (docs/formats.md).\n\n" +
            "Only entries whose orders are in force now are written. Exit codes: 0 written; 1 usage; 2 a bad --zone or --block-page; " +
            "3 the registry is unreachable; 4 the key (or a witness key) is invalid; 5 the registry's files do not verify, or the version is not covered " +
            "by a checkpoint the --witness-vkey witnesses cosigned.")
        {
            registry, format, output, zone, blockPage, key,
        };
        var ackKey = new Option<string?>("--ack-key") { Description = "The enforcement point's key file (from 'palisade point create'): once the file is written, acknowledge the version it holds." };
        command.Options.Add(ackKey);
        var witnesses = new WitnessOptions();
        command.Options.Add(witnesses.VerifierKeys);
        command.Options.Add(witnesses.Quorum);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string formatText = parseResult.GetValue(format)!;
            if (!PolicyExporter.TryParseFormat(formatText, out ExportFormat exportFormat))
            {
                await stderr.WriteLineAsync($"palisade export: --format '{formatText}' is not one of {string.Join(", ", FormatNames.Export)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string registryText = parseResult.GetValue(registry)!;
            if (!Uri.TryCreate(registryText, UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
            {
                await stderr.WriteLineAsync($"palisade export: --registry '{registryText}' is not an absolute http(s) URL").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = new ExportOptions { Zone = parseResult.GetValue(zone)!, BlockPage = parseResult.GetValue(blockPage), Registry = baseUrl };
            foreach ((string name, string? value) in new[] { ("--zone", options.Zone), ("--block-page", options.BlockPage) })
            {
                if (value is not null && !Core.DomainName.TryParse(value, out _, out string? error))
                {
                    await stderr.WriteLineAsync($"palisade export: {name} '{value}' is not a domain name: {error}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            if (!witnesses.TryBind(parseResult, stderr, "export", out WitnessPolicy? policy))
            {
                return ExitCodes.ConfigurationError;
            }

            using var http = RegistryHttp.Create(RegistryHttp.TransferTimeout, followRedirects: false);
            (int fetched, CompiledPolicy? verified, NoteVerifier? verifier) = await VerifiedVersion.FetchAsync("palisade export", http, baseUrl, parseResult.GetValue(key), stderr,
                cancellationToken, policy, "FAILED").ConfigureAwait(false);
            if (verified is null)
            {
                return fetched;
            }

            PolicyBundle bundle = verified.Version == 0
                ? new PolicyBundle(verifier!.Name, 0, 0, new byte[32], 0, [])
                : verified.Bundle;
            long now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            List<BundleEntry> active = [.. bundle.Entries.Where(e => e.Order.IsActiveAt(now))];
            string? path = parseResult.GetValue(output);
            int skipped;
            if (path is null)
            {
                skipped = PolicyExporter.Write(stdout, exportFormat, bundle, active, options);
            }
            else
            {
                string temporary = path + ".tmp";
                await using (var file = new StreamWriter(temporary, append: false, new System.Text.UTF8Encoding(false)))
                {
                    skipped = PolicyExporter.Write(file, exportFormat, bundle, active, options);
                }

                File.Move(temporary, path, overwrite: true);
            }

            await stderr.WriteLineAsync($"exported version {bundle.Version} of {bundle.Registry}: {active.Count} entries in force{(skipped > 0 ? $", {skipped} not expressible as {formatText} and left out" : "")}").ConfigureAwait(false);
            if (parseResult.GetValue(ackKey) is { } keyFile && bundle.Version > 0)
            {
                // Written first, acknowledged after: the registry is told only what the file holds.
                NoteSigner pointKey;
                try
                {
                    pointKey = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"palisade export: --ack-key {keyFile}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                using (pointKey)
                {
                    var acknowledger = new PointAcknowledger(http, baseUrl, pointKey);
                    if (!await acknowledger.AcknowledgeAsync(bundle, cancellationToken).ConfigureAwait(false))
                    {
                        await stderr.WriteLineAsync($"palisade export: the registry did not record the acknowledgement: {acknowledger.LastError}").ConfigureAwait(false);
                        return ExitCodes.VerificationFailed;
                    }

                    await stderr.WriteLineAsync($"point {acknowledger.Point} acknowledged version {bundle.Version}").ConfigureAwait(false);
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
