using System.CommandLine;
using System.Security.Cryptography;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary><c>palisade ack</c>: acknowledge by hand that an enforcement point enforces a registry version (for points
/// other than <c>palisade dns</c>, which acknowledges by itself with <c>--operator-key</c>).</summary>
internal static class AckCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var registry = new Option<string>("--registry") { Description = "The registry's base URL.", Required = true };
        var version = new Option<ulong>("--version") { Description = "The version the point enforces.", Required = true };
        var key = new Option<string>("--key") { Description = "The point's key file (from 'palisade point create').", Required = true };
        var command = new Command("ack", "Sign and send an enforcement point's acknowledgement that it enforces a registry version (the bundle's hash is fetched and signed).\n\n" +
            "Exit codes: 0 recorded; 1 usage; 3 the registry is unreachable; 4 the key file is invalid; 5 the registry refused it (the message says why).")
        {
            registry, version, key,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!Uri.TryCreate(parseResult.GetValue(registry), UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
            {
                await stderr.WriteLineAsync($"palisade ack: --registry '{parseResult.GetValue(registry)}' is not an absolute http(s) URL").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            NoteSigner pointKey;
            try
            {
                pointKey = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(parseResult.GetValue(key)!, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"palisade ack: --key {parseResult.GetValue(key)}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            using (pointKey)
            using (var http = RegistryHttp.Create(RegistryHttp.RequestTimeout, baseUrl))
            {
                ulong n = parseResult.GetValue(version);
                PolicyBundle bundle;
                byte[] hash;
                try
                {
                    byte[] bytes = await http.GetByteArrayAsync(new Uri(baseUrl, $"v1/bundles/{n}"), cancellationToken).ConfigureAwait(false);
                    bundle = PolicyBundle.Parse(bytes);
                    hash = SHA256.HashData(bytes);
                }
                catch (HttpRequestException e)
                {
                    await stderr.WriteLineAsync($"palisade ack: cannot fetch version {n} from {baseUrl}: {e.Message}").ConfigureAwait(false);
                    return e.StatusCode is null ? ExitCodes.Unavailable : ExitCodes.VerificationFailed;
                }
                catch (FormatException e)
                {
                    await stderr.WriteLineAsync($"palisade ack: version {n} is not a bundle: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.VerificationFailed;
                }

                var acknowledger = new PointAcknowledger(http, baseUrl, pointKey);
                if (!await acknowledger.AcknowledgeAsync(bundle.Registry, n, hash, cancellationToken).ConfigureAwait(false))
                {
                    await stderr.WriteLineAsync($"palisade ack: the registry did not record it: {acknowledger.LastError}").ConfigureAwait(false);
                    return ExitCodes.VerificationFailed;
                }

                await stdout.WriteLineAsync($"point {acknowledger.Point} acknowledged version {n} of {bundle.Registry}").ConfigureAwait(false);
                return ExitCodes.Success;
            }
        });
        return command;
    }
}
