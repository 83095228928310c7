using System.CommandLine;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade canon domain|pattern|url|ip VALUE…</c>: prints the canonical form of each value, one per line; a
/// bad value gets a message on stderr naming it and the rule it breaks, and the exit code becomes 2.
/// </summary>
internal static class CanonCommand
{
    private delegate bool Canonicalizer(string value, out string canonical, out string error);

    public static Command Create(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var canon = new Command("canon", "Print the canonical form of domain names, patterns, URLs or IP prefixes, as the registry stores them.");
        canon.Subcommands.Add(Kind("domain", "Domain names: UTS #46 ToASCII (non-transitional), lower-case A-labels, no trailing dot.", Domain, stdin, stdout, stderr));
        canon.Subcommands.Add(Kind("pattern", "Domain patterns: an exact name, or *.name for every name strictly below it.", Pattern, stdin, stdout, stderr));
        canon.Subcommands.Add(Kind("url", "http(s) URLs: parsed and serialised by the WHATWG URL Standard, fragment dropped.", Url, stdin, stdout, stderr));
        canon.Subcommands.Add(Kind("ip", "IPv4/IPv6 addresses and CIDR prefixes (no host bits after the prefix length).", Ip, stdin, stdout, stderr));
        return canon;
    }

    private static Command Kind(string name, string description, Canonicalizer canonicalize, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var values = new Argument<string[]>("values")
        {
            Description = "Values to canonicalise; '-' reads one value per line from standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(name, description) { values };
        command.SetAction(parseResult =>
        {
            int exit = ExitCodes.Success;
            foreach (string value in Expand(parseResult.GetValue(values) ?? [], stdin))
            {
                if (canonicalize(value, out string canonical, out string error))
                {
                    stdout.WriteLine(canonical);
                }
                else
                {
                    stderr.WriteLine($"palisade canon {name}: '{value}': {error}");
                    exit = ExitCodes.InvalidInput;
                }
            }

            return exit;
        });
        return command;
    }

    private static IEnumerable<string> Expand(string[] values, TextReader stdin)
    {
        foreach (string value in values)
        {
            if (value != "-")
            {
                yield return value;
                continue;
            }

            for (string? line = stdin.ReadLine(); line is not null; line = stdin.ReadLine())
            {
                if (line.Length > 0)
                {
                    yield return line;
                }
            }
        }
    }

    private static bool Domain(string value, out string canonical, out string error) =>
        Result(Core.DomainName.TryParse(value, out var result, out string? e), result.Value, e, out canonical, out error);

    private static bool Pattern(string value, out string canonical, out string error) =>
        Result(Core.DomainPattern.TryParse(value, out var result, out string? e), result.ToString(), e, out canonical, out error);

    private static bool Url(string value, out string canonical, out string error) =>
        Result(Core.UrlKey.TryParse(value, out var result, out string? e), result.Value, e, out canonical, out error);

    private static bool Ip(string value, out string canonical, out string error) =>
        Result(Core.IpPrefix.TryParse(value, out var result, out string? e), result.ToString(), e, out canonical, out error);

    private static bool Result(bool ok, string value, string? e, out string canonical, out string error)
    {
        canonical = ok ? value : string.Empty;
        error = e ?? string.Empty;
        return ok;
    }
}
