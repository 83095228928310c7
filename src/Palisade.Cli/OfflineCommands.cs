using System.CommandLine;
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
