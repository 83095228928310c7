using System.CommandLine;
using System.Text.Json.Nodes;
using Palisade.Log;
using Palisade.Registry;
using Palisade.Registry.Api;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade key create</c> and <c>palisade authority add</c>: offline changes to a registry's database (the first
/// admin, disaster recovery), logged exactly as their HTTP counterparts are. They refuse to run while
/// <c>palisade serve</c> holds the data directory.
/// </summary>
internal static class OfflineCommands
{
    /// <summary>--registry: do it over the registry's API with an admin key instead of offline on the database.</summary>
    private static readonly Option<string?> RegistryUrl = new("--registry") { Description = "Do it through this registry's API (with an admin --key or PALISADE_KEY) instead of offline on its database." };

    private static readonly Option<string?> AdminKey = new("--key") { Description = "With --registry: an admin API key (default: the PALISADE_KEY environment variable)." };

    public static Command Key(TextWriter stdout, TextWriter stderr)
    {
        var role = new Option<string>("--role") { Description = "admin, authority, operator or auditor.", Required = true };
        var authority = new Option<string?>("--authority") { Description = "The authority an authority key acts for." };
        var create = new Command("create", "Create an API key and print only the key on stdout (it is stored hashed and shown once). Offline on the " +
            "database (--data or --database), or with --registry through the API with an admin key.\n\n" +
            "Exit codes: 0 created; 1 usage; 2 a value is invalid; 3 the registry is unreachable; 4 the configuration or the key is refused.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, role, authority, RegistryUrl, AdminKey,
        };
        create.SetAction((parseResult, cancellationToken) =>
        {
            var request = new CreateKeyRequest { Role = parseResult.GetValue(role), Authority = parseResult.GetValue(authority) };
            return parseResult.GetValue(RegistryUrl) is not null
                ? Online(parseResult, stderr, "key create", "v1/keys", new JsonObject { ["role"] = request.Role, ["authority"] = request.Authority },
                    answer => stdout.WriteLine(answer["key"]!.GetValue<string>()), cancellationToken)
                : Task.FromResult(Run(parseResult, stderr, "key create", registry => stdout.WriteLine(registry.Authorities.CreateKey(request).Key)));
        });
        return new Command("key", "Manage API keys.") { create };
    }

    /// <summary>Sends an admin request to the registry named by --registry and prints its answer.</summary>
    private static Task<int> Online(ParseResult parseResult, TextWriter stderr, string verb, string path, JsonObject body, Action<JsonNode> print, CancellationToken cancellationToken) =>
        CommandFailedException.Run(verb, stderr, async () =>
        {
            if (parseResult.GetValue(RegistryConfiguration.Data) is not null || parseResult.GetValue(RegistryConfiguration.Database) is not null)
            {
                throw new CommandFailedException(ExitCodes.Usage, "--registry works through the API; it does not take --data or --database");
            }

            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(RegistryUrl), parseResult.GetValue(AdminKey), keyRequired: true);
            print(await client.SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false));
            return ExitCodes.Success;
        });

    public static Command Authority(TextWriter stdout, TextWriter stderr)
    {
        var id = new Option<string>("--id") { Description = "The authority id used in order references (lower-case letters, digits, hyphens).", Required = true };
        var name = new Option<string>("--name") { Description = "The authority's name.", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "Its jurisdiction (an ISO 3166 code or a name).", DefaultValueFactory = _ => "unspecified" };
        var url = new Option<string?>("--url") { Description = "Its public web site (default: https://<id>.invalid/)." };
        var add = new Command("add", "Register an authority (logged as authority.registered). Offline on the database (--data or --database), or with " +
            "--registry through the API with an admin key.\n\n" +
            "Exit codes: 0 registered; 1 usage; 2 a value is invalid or the id is taken; 3 the registry is unreachable; 4 the configuration or the key is refused.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, id, name, jurisdiction, url, RegistryUrl, AdminKey,
        };
        add.SetAction((parseResult, cancellationToken) =>
        {
            string authorityId = parseResult.GetValue(id)!;
            var request = new AddAuthorityRequest
            {
                Id = authorityId,
                Name = parseResult.GetValue(name),
                Jurisdiction = parseResult.GetValue(jurisdiction),
                Url = parseResult.GetValue(url) ?? $"https://{authorityId}.invalid/",
            };
            return parseResult.GetValue(RegistryUrl) is not null
                ? Online(parseResult, stderr, "authority add", "v1/authorities",
                    new JsonObject { ["id"] = request.Id, ["name"] = request.Name, ["jurisdiction"] = request.Jurisdiction, ["url"] = request.Url },
                    answer => stdout.WriteLine($"authority {answer["id"]} registered at log index {answer["logIndex"]}"), cancellationToken)
                : Task.FromResult(Run(parseResult, stderr, "authority add", registry =>
                {
                    AuthorityView view = registry.Authorities.AddAuthority(request);
                    stdout.WriteLine($"authority {view.Id} registered at log index {view.LogIndex}");
                }));
        });
        return new Command("authority", "Manage authorities.") { add };
    }

    public static Command Operator(TextWriter stdout, TextWriter stderr)
    {
        var id = new Option<string>("--id") { Description = "The operator's id (lower-case letters, digits, hyphens).", Required = true };
        var name = new Option<string>("--name") { Description = "The operator's name.", Required = true };
        var kind = new Option<string>("--kind") { Description = "isp, resolver, search-engine or other.", DefaultValueFactory = _ => "isp" };
        var country = new Option<string>("--country") { Description = "Its country (an ISO 3166 code or a name).", DefaultValueFactory = _ => "unspecified" };
        var url = new Option<string?>("--url") { Description = "Its public web site (default: https://<id>.invalid/)." };
        var add = new Command("add", "Register an operator offline (logged as operator.registered).")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, id, name, kind, country, url,
        };
        add.SetAction(parseResult => Run(parseResult, stderr, "operator add", registry =>
        {
            OperatorView view = registry.Operators.AddOperator(new AddOperatorRequest
            {
                Id = parseResult.GetValue(id), Name = parseResult.GetValue(name), Kind = parseResult.GetValue(kind), Country = parseResult.GetValue(country),
                Url = parseResult.GetValue(url),
            });
            stdout.WriteLine($"operator {view.Id} registered at log index {view.LogIndex}");
        }));
        return new Command("operator", "Manage operators (ISPs, resolvers, search engines) offline.") { add };
    }

    public static Command Point(TextWriter stdout, TextWriter stderr)
    {
        var operatorId = new Option<string>("--operator") { Description = "The operator the point belongs to.", Required = true };
        var id = new Option<string>("--id") { Description = "The point's id (lower-case letters, digits, hyphens; unique in the registry).", Required = true };
        var create = new Command("create", "Create an enforcement point's Ed25519 key, write it to point-<id>.key in the data directory (mode 0600), register its public key " +
            "(logged as point.created), and print the key file's path.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, operatorId, id,
        };
        create.SetAction(parseResult => Run(parseResult, stderr, "point create", registry =>
        {
            string pointId = parseResult.GetValue(id)!;
            if (!RegistryService.IsValidId(pointId))
            {
                throw RegistryProblem.Invalid("id", $"the point id '{pointId}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
            }

            (string path, NoteSigner key) = Registry.Operators.CreateKeyFile(registry.Options.DataDirectory, parseResult.GetValue(operatorId)!, pointId);
            using (key)
            {
                try
                {
                    registry.Operators.AddPoint(parseResult.GetValue(operatorId)!, new AddPointRequest { Id = pointId, Key = key.VerifierKey });
                }
                catch
                {
                    File.Delete(path);
                    throw;
                }
            }

            stdout.WriteLine(path);
        }));
        return new Command("point", "Manage operators' enforcement points offline.") { create };
    }

    public static Command Witness(TextWriter stdout, TextWriter stderr)
    {
        var name = new Option<string?>("--name") { Description = "The witness's name in its cosignatures (default: witness.palisade.local/ and 8 random hex digits)." };
        var init = new Command("init", "Create the witness key (witness.key in the data directory) unless it exists, and print the witness's verifier key (type 0x04, tlog-cosignature v1.0.1).")
        {
            RegistryConfiguration.Data, name,
        };
        init.SetAction(parseResult =>
        {
            try
            {
                using NoteSigner key = Registry.Witness.CreateKey(RegistryConfiguration.Load(parseResult).DataDirectory, parseResult.GetValue(name));
                stdout.WriteLine(new Cosigner(key).VerifierKey);
                return ExitCodes.Success;
            }
            catch (RegistryConfigurationException e)
            {
                stderr.WriteLine($"palisade witness init: {e.Message}");
                return ExitCodes.ConfigurationError;
            }
        });

        var origin = new Option<string>("--origin") { Description = "The origin of the log to witness (the first line of its checkpoints).", Required = true };
        var vkey = new Option<string>("--vkey") { Description = "The log's verifier key (name+keyid+base64, type 0x01).", Required = true };
        var addLog = new Command("add-log", "Witness a log: cosign its checkpoints that its key signs and that are consistent with the last one cosigned. Again for a known origin, replaces its key. " +
            "Works while 'palisade serve' runs on the data directory.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, origin, vkey,
        };
        addLog.SetAction(parseResult =>
        {
            string logOrigin = parseResult.GetValue(origin)!;
            string keyText = parseResult.GetValue(vkey)!;
            NoteVerifier verifier;
            try
            {
                verifier = NoteVerifier.Parse(keyText);
            }
            catch (FormatException e)
            {
                stderr.WriteLine($"palisade witness add-log: vkey: '{keyText}' is not a log's verifier key: {e.Message}");
                return ExitCodes.InvalidInput;
            }

            if (logOrigin.Length == 0 || logOrigin.Contains('\n', StringComparison.Ordinal))
            {
                stderr.WriteLine("palisade witness add-log: origin: the origin is one non-empty line");
                return ExitCodes.InvalidInput;
            }

            try
            {
                Registry.Witness.AddLog(RegistryConfiguration.Load(parseResult), logOrigin, verifier.VerifierKey);
            }
            catch (RegistryConfigurationException e)
            {
                stderr.WriteLine($"palisade witness add-log: {e.Message}");
                return ExitCodes.ConfigurationError;
            }

            stdout.WriteLine($"witnessing {logOrigin} with key {verifier.VerifierKey}");
            return ExitCodes.Success;
        });
        return new Command("witness", "Make this registry a witness of other logs (C2SP tlog-witness v1.0.0).") { init, addLog };
    }

    internal static int Run(ParseResult parseResult, TextWriter stderr, string verb, Action<RegistryService> action)
    {
        try
        {
            using RegistryService registry = RegistryService.Open(RegistryConfiguration.Load(parseResult));
            action(registry);
            return ExitCodes.Success;
        }
        catch (RegistryConfigurationException e)
        {
            stderr.WriteLine($"palisade {verb}: {e.Message}");
            return ExitCodes.ConfigurationError;
        }
        catch (RegistryProblem e)
        {
            stderr.WriteLine($"palisade {verb}: {(e.Field is null ? string.Empty : e.Field + ": ")}{e.Message}");
            return ExitCodes.InvalidInput;
        }
    }
}
