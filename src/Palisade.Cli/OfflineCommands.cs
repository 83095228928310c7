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
    internal static readonly Option<string?> RegistryUrl = new("--registry") { Description = "Do it through this registry's API (with an admin --key or PALISADE_KEY) instead of offline on its database." };

    internal static readonly Option<string?> AdminKey = new("--key") { Description = "With --registry: an admin API key (default: the PALISADE_KEY environment variable)." };

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

    /// <summary>--out: where a key made for a point or probe registered through the API is written.</summary>
    internal static readonly Option<string?> KeyDirectory = new("--out") { Description = "With --registry: the directory the new key file is written to (default: the current directory)." };

    /// <summary>Sends an admin request to the registry named by --registry and prints its answer.</summary>
    internal static Task<int> Online(ParseResult parseResult, TextWriter stderr, string verb, string path, JsonObject body, Action<JsonNode> print, CancellationToken cancellationToken,
        Func<RegistryClient, CancellationToken, Task>? send = null) =>
        CommandFailedException.Run(verb, stderr, async () =>
        {
            if (parseResult.GetValue(RegistryConfiguration.Data) is not null || parseResult.GetValue(RegistryConfiguration.Database) is not null)
            {
                throw new CommandFailedException(ExitCodes.Usage, "--registry works through the API; it does not take --data or --database");
            }

            using RegistryClient client = RegistryClient.Open(parseResult.GetValue(RegistryUrl), parseResult.GetValue(AdminKey), keyRequired: true);
            if (send is not null)
            {
                await send(client, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                print(await client.SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false));
            }

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
        var add = new Command("add", "Register an operator (logged as operator.registered). Offline on the database (--data or --database), or with " +
            "--registry through the API with an admin key while the registry runs.\n\n" +
            "Exit codes: 0 registered; 1 usage; 2 a value is invalid or the id is taken; 3 the registry is unreachable; 4 the configuration or the key is refused.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, id, name, kind, country, url, RegistryUrl, AdminKey,
        };
        add.SetAction((parseResult, cancellationToken) =>
        {
            var request = new AddOperatorRequest
            {
                Id = parseResult.GetValue(id), Name = parseResult.GetValue(name), Kind = parseResult.GetValue(kind), Country = parseResult.GetValue(country),
                Url = parseResult.GetValue(url),
            };
            return parseResult.GetValue(RegistryUrl) is not null
                ? Online(parseResult, stderr, "operator add", "v1/operators",
                    new JsonObject { ["id"] = request.Id, ["name"] = request.Name, ["kind"] = request.Kind, ["country"] = request.Country, ["url"] = request.Url },
                    answer => stdout.WriteLine($"operator {answer["id"]} registered at log index {answer["logIndex"]}"), cancellationToken)
                : Task.FromResult(Run(parseResult, stderr, "operator add", registry =>
                {
                    OperatorView view = registry.Operators.AddOperator(request);
                    stdout.WriteLine($"operator {view.Id} registered at log index {view.LogIndex}");
                }));
        });
        return new Command("operator", "Manage operators (ISPs, resolvers, search engines).") { add };
    }

    public static Command Point(TextWriter stdout, TextWriter stderr)
    {
        var operatorId = new Option<string>("--operator") { Description = "The operator the point belongs to.", Required = true };
        var id = new Option<string>("--id") { Description = "The point's id (lower-case letters, digits, hyphens; unique in the registry).", Required = true };
        var create = new Command("create", "Create an enforcement point's Ed25519 key, write it to point-<id>.key (mode 0600), register its public key " +
            "(logged as point.created), and print the key file's path. Offline on the database (--data or --database; the key goes into the data directory), " +
            "or with --registry through the API with an admin key while the registry runs (the key goes into --out, default the current directory).\n\n" +
            "Exit codes: 0 registered; 1 usage; 2 a value is invalid or the id is taken; 3 the registry is unreachable; 4 the configuration or the key is refused.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, operatorId, id, RegistryUrl, AdminKey, KeyDirectory,
        };
        create.SetAction((parseResult, cancellationToken) =>
        {
            string pointId = parseResult.GetValue(id)!;
            string operatorName = parseResult.GetValue(operatorId)!;
            return RegisterKeyAsync(parseResult, stdout, stderr, "point create", "point", pointId, directory => Registry.Operators.CreateKeyFile(directory, operatorName, pointId),
                (registry, key) => registry.Operators.AddPoint(operatorName, new AddPointRequest { Id = pointId, Key = key }),
                $"v1/operators/{Uri.EscapeDataString(operatorName)}/points", key => new JsonObject { ["id"] = pointId, ["key"] = key }, cancellationToken);
        });
        return new Command("point", "Manage operators' enforcement points.") { create };
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
            "On the database (--data or --database; works while 'palisade serve' runs on it), or with --registry through the API with an admin key.\n\n" +
            "Exit codes: 0 witnessed; 1 usage; 2 a value is invalid; 3 the registry is unreachable; 4 the configuration or the key is refused.")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, origin, vkey, RegistryUrl, AdminKey,
        };
        addLog.SetAction((parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(RegistryUrl) is not null)
            {
                return Online(parseResult, stderr, "witness add-log", "v1/witness/logs", new JsonObject { ["origin"] = parseResult.GetValue(origin), ["vkey"] = parseResult.GetValue(vkey) },
                    answer => stdout.WriteLine($"witnessing {answer["origin"]} with key {answer["vkey"]}"), cancellationToken);
            }

            return Task.FromResult(AddLogOffline(parseResult));
        });
        return new Command("witness", "Make this registry a witness of other logs (C2SP tlog-witness v1.0.0).") { init, addLog };

        int AddLogOffline(ParseResult parseResult)
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
        }
    }

    /// <summary>
    /// Makes a point's or probe's key file and registers its public key: offline in the data directory, or through the
    /// API (--registry) with the file in --out. A registration that fails leaves no key file behind.
    /// </summary>
    internal static Task<int> RegisterKeyAsync(ParseResult parseResult, TextWriter stdout, TextWriter stderr, string verb, string kind, string id,
        Func<string, (string Path, NoteSigner Key)> createKeyFile, Action<RegistryService, string> offline, string onlinePath, Func<string, JsonObject> onlineBody,
        CancellationToken cancellationToken)
    {
        if (!RegistryService.IsValidId(id))
        {
            stderr.WriteLine($"palisade {verb}: id: the {kind} id '{id}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
            return Task.FromResult(ExitCodes.InvalidInput);
        }

        if (parseResult.GetValue(RegistryUrl) is null)
        {
            if (parseResult.GetValue(KeyDirectory) is not null)
            {
                stderr.WriteLine($"palisade {verb}: --out goes with --registry; offline the key is written to the data directory");
                return Task.FromResult(ExitCodes.Usage);
            }

            return Task.FromResult(Run(parseResult, stderr, verb, registry => stdout.WriteLine(WithKeyFile(registry.Options.DataDirectory, createKeyFile, key => offline(registry, key)))));
        }

        string? path = null;
        return Online(parseResult, stderr, verb, onlinePath, new JsonObject(), _ => { }, cancellationToken, async (client, token) =>
        {
            string directory = Path.GetFullPath(parseResult.GetValue(KeyDirectory) ?? ".");
            Directory.CreateDirectory(directory);
            (path, NoteSigner key) = createKeyFile(directory);
            using (key)
            {
                try
                {
                    await client.SendAsync(HttpMethod.Post, onlinePath, onlineBody(key.VerifierKey), token).ConfigureAwait(false);
                }
                catch
                {
                    File.Delete(path);
                    throw;
                }
            }

            stdout.WriteLine(path);
        });
    }

    private static string WithKeyFile(string directory, Func<string, (string Path, NoteSigner Key)> createKeyFile, Action<string> register)
    {
        (string path, NoteSigner key) = createKeyFile(directory);
        using (key)
        {
            try
            {
                register(key.VerifierKey);
            }
            catch
            {
                File.Delete(path);
                throw;
            }
        }

        return path;
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
