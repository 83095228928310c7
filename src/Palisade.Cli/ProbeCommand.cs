using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Palisade.Core;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Dns;
using Palisade.Probe;
using Palisade.Registry;
using Palisade.Dns.Wire;
using Palisade.Client;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade probe --registry URL --resolver ADDR --control-resolver ADDR</c>: measures, from a vantage point in an
/// operator's network, what the operator enforces of the verified version in force and what else it blocks
/// (docs/probe.md). Writes OONI measurements, one JSON object per line.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var registry = new Option<string>("--registry") { Description = "The registry's base URL.", Required = true };
        var key = new Option<string?>("--log-key") { Description = "The registry's log key (name+keyid+base64). Default: the key it publishes at /log/key (trusted on first use)." };
        var submit = new Option<bool>("--submit") { Description = "Also send the measurements to the registry (POST /v1/measurements), signed with --key." };
        var probeKey = new Option<string?>("--key") { Description = "The probe's key file (from 'palisade probe register'), which signs what --submit sends." };
        var resolver = new Option<string>("--resolver") { Description = "The operator's resolver, ADDRESS[:PORT] (port 53 by default).", Required = true };
        var controlResolver = new Option<string>("--control-resolver") { Description = "A resolver that does not filter, ADDRESS[:PORT], to tell blocking from a site that is down.", Required = true };
        var controlList = new Option<string?>("--control-list") { Description = "Resources no order covers, in the citizenlab test-lists CSV format (url,category_code,…)." };
        var targets = new Option<string?>("--targets") { Description = "Measure only these targets of the version, one canonical target per line." };
        var sample = new Option<int?>("--sample") { Description = "Measure a random sample of this many targets in force." };
        var caFile = new Option<string?>("--ca-file") { Description = "PEM roots to trust for https besides the system's (such as a test CA)." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the measurements here. Default: standard output." };
        var format = new Option<string>("--format") { Description = "ooni (JSON lines, OONI's base data format) or csv.", DefaultValueFactory = _ => "ooni" };
        var asn = new Option<string>("--asn") { Description = "The vantage's network number, such as AS12389.", DefaultValueFactory = _ => "AS0" };
        var network = new Option<string>("--network") { Description = "The vantage's network name.", DefaultValueFactory = _ => "" };
        var cc = new Option<string>("--cc") { Description = "The vantage's country code, such as RU.", DefaultValueFactory = _ => "ZZ" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each DNS answer, connection and HTTP answer.", DefaultValueFactory = _ => 5 };
        var parallel = new Option<int>("--parallel") { Description = "Resources measured at once.", DefaultValueFactory = _ => 32 };
        var controlBind = new Option<string?>("--control-bind") { Description = "Send the control's DNS queries and connections from this local address (a path out of the network that the operator does not filter, such as a VPN)." };
        var schemes = new Option<string>("--schemes") { Description = "The URL schemes each name is measured with, comma-separated.", DefaultValueFactory = _ => "http,https" };
        var command = new Command("probe", "Measure what an operator's network enforces of the registry's version in force, and what else it blocks (docs/probe.md).\n\n" +
            "Exit codes: 0 every resource was measured (whatever the verdicts); 1 usage; 2 an input file is malformed; 3 the registry or a resolver cannot be reached; " +
            "4 the key or --ca-file is invalid; 5 the registry's files do not verify.")
        {
            registry, key, resolver, controlResolver, controlList, targets, sample, caFile, output, format, asn, network, cc, timeout, parallel, schemes, submit, probeKey, controlBind,
        };
        command.Subcommands.Add(Register(stdout, stderr));
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string verb = "palisade probe";
            if (!Uri.TryCreate(parseResult.GetValue(registry), UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
            {
                await stderr.WriteLineAsync($"{verb}: --registry '{parseResult.GetValue(registry)}' is not an absolute http(s) URL").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!TryEndPoint(parseResult.GetValue(resolver)!, out IPEndPoint? resolverEndPoint) || !TryEndPoint(parseResult.GetValue(controlResolver)!, out IPEndPoint? controlEndPoint))
            {
                await stderr.WriteLineAsync($"{verb}: --resolver and --control-resolver are ADDRESS[:PORT], such as 127.0.0.1:5353 or [::1]:53").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            IPAddress? controlAddress = null;
            if (parseResult.GetValue(controlBind) is { } bindText && !IPAddress.TryParse(bindText, out controlAddress))
            {
                await stderr.WriteLineAsync($"{verb}: --control-bind '{bindText}' is not an IP address").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string formatText = parseResult.GetValue(format)!;
            if (formatText is not ("ooni" or "csv"))
            {
                await stderr.WriteLineAsync($"{verb}: --format '{formatText}' is not ooni or csv").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string[] schemeList = parseResult.GetValue(schemes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (schemeList.Length == 0 || schemeList.Any(s => s is not ("http" or "https")))
            {
                await stderr.WriteLineAsync($"{verb}: --schemes takes http and https, comma-separated").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (parseResult.GetValue(parallel) is < 1 or > 1024 || parseResult.GetValue(timeout) is <= 0 or > 600 || parseResult.GetValue(sample) is < 1)
            {
                await stderr.WriteLineAsync($"{verb}: --parallel is 1…1024, --timeout 0…600 seconds, --sample at least 1").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            NoteSigner? signer = null;
            if (parseResult.GetValue(submit))
            {
                if (parseResult.GetValue(probeKey) is not { } keyFile)
                {
                    await stderr.WriteLineAsync($"{verb}: --submit needs the probe's key (--key FILE, from 'palisade probe register')").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                try
                {
                    signer = NoteSigner.ParsePrivateKey(await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"{verb}: --key {keyFile}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
            }

            using NoteSigner? signing = signer;
            X509Certificate2Collection? roots = null;
            if (parseResult.GetValue(caFile) is { } caPath)
            {
                try
                {
                    roots = [];
                    roots.ImportFromPemFile(caPath);
                    if (roots.Count == 0)
                    {
                        throw new FormatException("it holds no certificate");
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or FormatException)
                {
                    await stderr.WriteLineAsync($"{verb}: --ca-file {caPath}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
            }

            List<string> controlUrls = [];
            if (parseResult.GetValue(controlList) is { } listPath)
            {
                try
                {
                    using var reader = new StreamReader(listPath);
                    controlUrls = [.. TestListCsv.Parse(reader).Select(r => r.Url)];
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"{verb}: --control-list {listPath}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }
                catch (FormatException e)
                {
                    await stderr.WriteLineAsync($"{verb}: --control-list {listPath}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            // The version in force, verified as every enforcement point verifies it.
            using var http = RegistryHttp.Create(RegistryHttp.TransferTimeout, followRedirects: false);
            (int fetched, CompiledPolicy? verified, _) = await VerifiedVersion.FetchAsync(verb, http, baseUrl, parseResult.GetValue(key), stderr, cancellationToken).ConfigureAwait(false);
            if (verified is not { } policy)
            {
                return fetched;
            }

            TimeSpan wait = TimeSpan.FromSeconds(parseResult.GetValue(timeout));
            var operatorDns = new DnsLookup(resolverEndPoint!, wait);
            var controlDns = new DnsLookup(controlEndPoint!, wait, controlAddress);
            foreach ((DnsLookup lookup, string name) in new[] { (operatorDns, "--resolver"), (controlDns, "--control-resolver") })
            {
                // Any answer at all (even REFUSED) shows the resolver is there; silence is exit 3.
                DnsResult root = await lookup.QueryAsync(".", DnsConstants.TypeNs, cancellationToken).ConfigureAwait(false);
                if (root.Failure is not null)
                {
                    await stderr.WriteLineAsync($"{verb}: the resolver {name} {lookup.Resolver} does not answer: {root.Failure}").ConfigureAwait(false);
                    return ExitCodes.Unavailable;
                }
            }

            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            PublicSuffixList? suffixes = File.Exists(PublicSuffixList.DebianPath) ? PublicSuffixList.Load() : null;
            var planner = new ResourcePlanner(policy, now, suffixes) { Schemes = schemeList };
            List<Palisade.Policy.BundleEntry> chosen = planner.TargetsInForce();
            if (parseResult.GetValue(targets) is { } targetsPath)
            {
                HashSet<string> wanted;
                try
                {
                    wanted = [.. (await File.ReadAllLinesAsync(targetsPath, cancellationToken).ConfigureAwait(false)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await stderr.WriteLineAsync($"{verb}: --targets {targetsPath}: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                chosen = [.. chosen.Where(e => wanted.Contains(e.Target))];
            }

            if (parseResult.GetValue(sample) is { } count && count < chosen.Count)
            {
                chosen = [.. chosen.OrderBy(_ => System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue)).Take(count)];
            }

            List<ProbeResource> resources = planner.Plan(chosen, controlUrls);
            var run = new ProbeRun
            {
                Registry = baseUrl, Version = policy.Version, Resolver = resolverEndPoint!, Asn = parseResult.GetValue(asn)!, CountryCode = parseResult.GetValue(cc)!,
                NetworkName = parseResult.GetValue(network)!,
            };
            var prober = new Prober(operatorDns, controlDns, new WebFetcher(wait, roots), new WebFetcher(wait, roots, controlAddress), policy, now);
            string? outputPath = parseResult.GetValue(output);
            var summary = new ProbeSummary();
            var submitted = signer is null ? null : new ProbeSubmitter(http, baseUrl, signer, policy.Bundle.Registry, run);
            TextWriter sink = outputPath is null ? stdout : new StreamWriter(outputPath + ".tmp", append: false, new System.Text.UTF8Encoding(false));
            try
            {
                var writer = new ProbeOutput(sink, formatText, run);
                using var progress = new ProbeProgress(stderr, resources.Count);
                var gate = new Lock();

                // Each measurement is written as it completes (in completion order), so memory does not grow with the run.
                await ProbeRunner.RunAsync(prober, resources, parseResult.GetValue(parallel), m =>
                {
                    lock (gate)
                    {
                        writer.Write(m);
                        summary.Add(m);
                        submitted?.Add(m);
                        progress.Done(summary);
                    }
                }, cancellationToken).ConfigureAwait(false);
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (outputPath is not null)
                {
                    await sink.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (outputPath is not null)
            {
                File.Move(outputPath + ".tmp", outputPath, overwrite: true);
            }

            await stderr.WriteAsync(summary.Table(run)).ConfigureAwait(false);
            if (submitted is not null)
            {
                try
                {
                    int sent = await submitted.FlushAsync(cancellationToken).ConfigureAwait(false);
                    await stderr.WriteLineAsync($"submitted {sent} measurements to {baseUrl} as probe {signer!.Name}").ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    await stderr.WriteLineAsync($"{verb}: the registry did not take the measurements: {e.Message}").ConfigureAwait(false);
                    return e.StatusCode is null ? ExitCodes.Unavailable : ExitCodes.VerificationFailed;
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary><c>palisade probe register</c>: creates a probe's key and registers it, offline.</summary>
    private static Command Register(TextWriter stdout, TextWriter stderr)
    {
        var id = new Option<string>("--id") { Description = "The probe's id (lower-case letters, digits, hyphens; unique in the registry).", Required = true };
        var asn = new Option<string>("--asn") { Description = "The network it measures from, such as AS64496.", Required = true };
        var operatorId = new Option<string?>("--operator") { Description = "The operator whose network it measures (its measurements then show on the operator's page)." };
        var register = new Command("register", "Create a probe's Ed25519 key, write it to probe-<id>.key (mode 0600), register its public key " +
            "(logged as probe.registered), and print the key file's path. Offline on the database (--data or --database; the key goes into the data directory), " +
            "or with --registry through the API with an admin key while the registry runs (the key goes into --out, default the current directory).\n\n" +
            "Exit codes: 0 done; 1 usage; 2 a bad id, network or operator; 3 the registry is unreachable; 4 the data directory or the key cannot be used.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, id, asn, operatorId, OfflineCommands.RegistryUrl, OfflineCommands.AdminKey, OfflineCommands.KeyDirectory,
        };
        register.SetAction((parseResult, cancellationToken) =>
        {
            string probeId = parseResult.GetValue(id)!;
            return OfflineCommands.RegisterKeyAsync(parseResult, stdout, stderr, "probe register", "probe", probeId, directory => Registry.Probes.CreateKeyFile(directory, probeId),
                (registry, key) => registry.Probes.Register(new Registry.Api.AddProbeRequest { Id = probeId, Asn = parseResult.GetValue(asn), Operator = parseResult.GetValue(operatorId), Key = key }),
                "v1/probes", key => new JsonObject { ["id"] = probeId, ["asn"] = parseResult.GetValue(asn), ["operator"] = parseResult.GetValue(operatorId), ["key"] = key }, cancellationToken);
        });
        return register;
    }

    private static bool TryEndPoint(string text, out IPEndPoint? endPoint)
    {
        if (IPEndPoint.TryParse(text, out endPoint))
        {
            if (endPoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
            {
                endPoint.Port = 53;
            }

            return true;
        }

        return false;
    }
}
