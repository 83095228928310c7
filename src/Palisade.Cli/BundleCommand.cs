using System.CommandLine;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade bundle rebuild --log URL --version N</c>: rebuilds a registry version from the public log alone and
/// prints the SHA-256 of its bytes, which must equal the hash of <c>/v1/bundles/N</c>.
/// </summary>
internal static class BundleCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var log = new Option<string>("--log") { Description = "The registry's base URL or its log prefix (http://127.0.0.1:8440 or …/log/).", Required = true };
        var version = new Option<ulong>("--version") { Description = "The registry version to rebuild.", Required = true };
        var key = new Option<string?>("--key") { Description = "The log's verifier key (name+keyid+base64). Default: the key the log publishes (trusted on first use)." };
        var rebuild = new Command("rebuild", "Rebuild a registry version from the verified public log and print the lowercase hex SHA-256 of its bundle.\n\n" +
            "The log is audited first (signature, every entry and tile). Exit codes: 0 rebuilt, and the hash equals the one the log " +
            "published for that version; 2 the log has no such version; 3 the log could not be fetched; 4 the key is invalid; " +
            "5 the log does not verify, or the rebuilt bundle is not the one the log published.")
        {
            log, version, key,
        };
        rebuild.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!LogUrl.TryParse(parseResult.GetValue(log)!, out Uri? prefix, out string? error))
            {
                await stderr.WriteLineAsync($"palisade bundle rebuild: {error}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using var http = RegistryHttp.Create(RegistryHttp.TransferTimeout);
            var auditor = new LogAuditor(http, prefix);
            ulong wanted = parseResult.GetValue(version);
            return await CommandFailedException.Run("bundle rebuild", stderr, async () =>
            {
                string keyText;
                LogAuditResult audit;
                try
                {
                    keyText = parseResult.GetValue(key) ?? await auditor.FetchVerifierKeyAsync(cancellationToken).ConfigureAwait(false);
                    audit = await auditor.AuditAsync(NoteVerifier.Parse(keyText), null, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    throw new CommandFailedException(ExitCodes.Unavailable, $"cannot fetch the log at {prefix}: {e.Message}");
                }

                (PolicyBundle bundle, string published) = VersionBuilder.Rebuild(audit.Checkpoint.Origin, audit.Entries, audit.Tree, wanted);
                string hash = Convert.ToHexStringLower(bundle.ComputeHash());
                await stdout.WriteLineAsync(hash).ConfigureAwait(false);
                await stderr.WriteLineAsync($"bundle {wanted}: {bundle.Entries.Length} entries covering log entries 0…{bundle.LogSize - 1} of {audit.Checkpoint.Origin}").ConfigureAwait(false);
                return string.Equals(hash, published, StringComparison.Ordinal)
                    ? ExitCodes.Success
                    : throw new CommandFailedException(ExitCodes.VerificationFailed, $"the log published SHA-256 {published} for version {wanted}, but its entries rebuild to {hash}");
            }).ConfigureAwait(false);
        });
        return new Command("bundle", "Work with registry versions (policy bundles).") { rebuild };
    }
}
