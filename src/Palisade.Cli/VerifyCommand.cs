using System.CommandLine;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade verify --log URL</c>: the auditor's client. Fetches the checkpoint and every tile of a tlog-tiles log,
/// checks the signature, recomputes the root, and checks that the log extends the checkpoint it saw last time (kept
/// with the pinned key in a small state file).
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var log = new Option<string>("--log") { Description = "The log's URL prefix, such as http://127.0.0.1:8440/log/ (a registry's base URL works too).", Required = true };
        var key = new Option<string?>("--key") { Description = "The log's verifier key (name+keyid+base64). Default: the key pinned in the state file, else the key the log publishes (trusted on first use)." };
        var state = new Option<string?>("--state") { Description = "The state file holding the pinned key and the last verified checkpoint. Default: palisade-verify.state in the current directory." };
        var witnesses = new WitnessOptions();
        var command = new Command("verify", "Audit a transparency log: signature, every entry and tile, and consistency with the last checkpoint seen; " +
            "with --witness-vkey, also a quorum of witness cosignatures on the checkpoint.\n\n" +
            "Exit codes: 0 the log verifies; 3 the log could not be fetched; 4 the key or state file is invalid; 5 the log does not verify " +
            "(or the checkpoint lacks the quorum of cosignatures).")
        {
            log, key, state, witnesses.VerifierKeys, witnesses.Quorum,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!LogUrl.TryParse(parseResult.GetValue(log)!, out Uri? prefix, out string? error))
            {
                await stderr.WriteLineAsync($"palisade verify: {error}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!witnesses.TryBind(parseResult, stderr, "verify", out WitnessPolicy? policy))
            {
                return ExitCodes.ConfigurationError;
            }

            string statePath = parseResult.GetValue(state) ?? "palisade-verify.state";
            using var http = RegistryHttp.Create(RegistryHttp.RequestTimeout);
            var auditor = new LogAuditor(http, prefix) { Witnesses = policy };
            (string Key, Checkpoint Checkpoint)? previous;
            NoteVerifier verifier;
            try
            {
                previous = LogAuditor.ReadState(statePath);
                string? keyText = parseResult.GetValue(key) ?? previous?.Key;
                if (keyText is null)
                {
                    keyText = await auditor.FetchVerifierKeyAsync(cancellationToken).ConfigureAwait(false);
                    await stderr.WriteLineAsync($"palisade verify: no key given; trusting the key the log publishes: {keyText}").ConfigureAwait(false);
                }

                verifier = NoteVerifier.Parse(keyText);
                if (previous is not null && previous.Value.Key != verifier.VerifierKey)
                {
                    await stderr.WriteLineAsync($"palisade verify: the key {verifier.VerifierKey} is not the key pinned in {statePath} ({previous.Value.Key})").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync($"palisade verify: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"palisade verify: cannot fetch {prefix}key: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            try
            {
                LogAuditResult result = await auditor.AuditAsync(verifier, previous?.Checkpoint, cancellationToken).ConfigureAwait(false);
                LogAuditor.WriteState(statePath, verifier.VerifierKey, result.Checkpoint);
                await stdout.WriteLineAsync($"log {result.Checkpoint.Origin} verified: {result.Checkpoint.Size} entries ({result.Events} events), root {Convert.ToBase64String(result.Checkpoint.RootHash)}").ConfigureAwait(false);
                if (policy is not null)
                {
                    await stdout.WriteLineAsync($"cosigned by at least {policy.Quorum} of {policy.Witnesses.Count} trusted witnesses").ConfigureAwait(false);
                }

                await stdout.WriteLineAsync(result.PreviousSize > 0
                    ? $"consistent with the checkpoint of size {result.PreviousSize} seen before"
                    : $"first audit: checkpoint pinned in {statePath}").ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (LogVerificationException e)
            {
                // A key taken from the state file may be another log's: say where it came from.
                string pinned = parseResult.GetValue(key) is null && previous is not null
                    ? $" (the key and the last checkpoint were read from {Path.GetFullPath(statePath)}, pinned for log {previous.Value.Checkpoint.Origin}; to audit another log, give it its own --state FILE)"
                    : "";
                await stderr.WriteLineAsync($"palisade verify: FAILED: {e.Message}{pinned}").ConfigureAwait(false);
                return ExitCodes.VerificationFailed;
            }
            catch (HttpRequestException e)
            {
                await stderr.WriteLineAsync($"palisade verify: cannot fetch the log at {prefix}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }
        });
        return command;
    }
}
