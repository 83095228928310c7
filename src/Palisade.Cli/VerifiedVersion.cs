using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>A registry's version in force, fetched once and verified as every enforcement point verifies it
/// (signature, bundle hash, log consistency, and with witnesses a checkpoint they cosigned), for the commands that read
/// it without following it (export, probe, inspect).</summary>
internal static class VerifiedVersion
{
    /// <summary>The version, or the exit code after saying why on <paramref name="stderr"/>: 4 an invalid key, 3 the
    /// registry out of reach, 5 a version that does not verify.</summary>
    /// <param name="verb">The command, for messages ("palisade probe").</param>
    /// <param name="http">The client (it should not follow redirects).</param>
    /// <param name="registry">The registry's base URL.</param>
    /// <param name="key">The registry's log key; null to trust the one it publishes.</param>
    /// <param name="stderr">Where failures are said.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <param name="witnesses">Witnesses whose cosignatures must cover the version (null: none).</param>
    /// <param name="notVerified">How a version that does not verify is announced before the reason.</param>
    /// <returns>The exit code, and on success the policy and the registry's log key (whose name is the registry's, also
    /// before its first version).</returns>
    public static async Task<(int Exit, CompiledPolicy? Policy, NoteVerifier? Key)> FetchAsync(string verb, HttpClient http, Uri registry, string? key, TextWriter stderr,
        CancellationToken cancellationToken, WitnessPolicy? witnesses = null, string notVerified = "the registry's version does not verify")
    {
        NoteVerifier verifier;
        PolicySubscription subscription;
        try
        {
            string keyText = key ?? await new LogAuditor(http, new Uri(registry, "log/")).FetchVerifierKeyAsync(cancellationToken).ConfigureAwait(false);
            verifier = NoteVerifier.Parse(keyText);
            subscription = new PolicySubscription(http, registry, verifier) { Witnesses = witnesses };
        }
        catch (FormatException e)
        {
            await stderr.WriteLineAsync($"{verb}: the log key is invalid: {e.Message}").ConfigureAwait(false);
            return (ExitCodes.ConfigurationError, null, null);
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"{verb}: cannot reach the registry at {registry}: {e.Message}").ConfigureAwait(false);
            return (ExitCodes.Unavailable, null, null);
        }

        await subscription.UpdateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (subscription.LastException is { } failure)
        {
            await stderr.WriteLineAsync($"{verb}: {(failure is HttpRequestException ? "cannot reach the registry" : notVerified)}: {failure.Message}").ConfigureAwait(false);
            return (failure is HttpRequestException ? ExitCodes.Unavailable : ExitCodes.VerificationFailed, null, null);
        }

        return (ExitCodes.Success, subscription.Current, verifier);
    }
}
