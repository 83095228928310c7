using System.CommandLine;
using Palisade.Core.Transparency;
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
    public static Command Key(TextWriter stdout, TextWriter stderr)
    {
        var role = new Option<string>("--role") { Description = "admin, authority, operator or auditor.", Required = true };
        var authority = new Option<string?>("--authority") { Description = "The authority an authority key acts for." };
        var create = new Command("create", "Create an API key offline and print only the key on stdout (it is stored hashed and shown once).")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, role, authority,
        };
        create.SetAction(parseResult => Run(parseResult, stderr, "key create", registry =>
        {
            KeyCreated key = registry.Authorities.CreateKey(new CreateKeyRequest { Role = parseResult.GetValue(role), Authority = parseResult.GetValue(authority) });
            stdout.WriteLine(key.Key);
        }));
        return new Command("key", "Manage API keys offline.") { create };
    }

    public static Command Authority(TextWriter stdout, TextWriter stderr)
    {
        var id = new Option<string>("--id") { Description = "The authority id used in order references (lower-case letters, digits, hyphens).", Required = true };
        var name = new Option<string>("--name") { Description = "The authority's name.", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "Its jurisdiction (an ISO 3166 code or a name).", DefaultValueFactory = _ => "unspecified" };
        var url = new Option<string?>("--url") { Description = "Its public web site (default: https://<id>.invalid/)." };
        var add = new Command("add", "Register an authority offline (logged as authority.registered).")
        {
            RegistryConfiguration.Data, RegistryConfiguration.Database, id, name, jurisdiction, url,
        };
        add.SetAction(parseResult => Run(parseResult, stderr, "authority add", registry =>
        {
            string authorityId = parseResult.GetValue(id)!;
            AuthorityView view = registry.Authorities.AddAuthority(new AddAuthorityRequest
            {
                Id = authorityId,
                Name = parseResult.GetValue(name),
                Jurisdiction = parseResult.GetValue(jurisdiction),
                Url = parseResult.GetValue(url) ?? $"https://{authorityId}.invalid/",
            });
            stdout.WriteLine($"authority {view.Id} registered at log index {view.LogIndex}");
        }));
        return new Command("authority", "Manage authorities offline.") { add };
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

    private static int Run(ParseResult parseResult, TextWriter stderr, string verb, Action<RegistryService> action)
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
