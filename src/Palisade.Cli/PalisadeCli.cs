using System.CommandLine;

namespace Palisade.Cli;

/// <summary>The <c>palisade</c> command tree, with its standard streams passed in so tests can run it in-process.</summary>
internal static class PalisadeCli
{
    public static RootCommand Create(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "Palisade: an accountable registry of internet blocking orders, and the tools that enforce and audit it.\n\n" +
            "Exit codes: 0 success; 1 usage error; 2 an input value is invalid (the message names it and the rule); " +
            "3 a service or the network is unavailable; 4 the configuration or stored data is invalid (nothing changed); " +
            "5 an audited log does not verify; 6 (lookup) nothing covers the value.");
        root.Subcommands.Add(CanonCommand.Create(stdin, stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));
        root.Subcommands.Add(OrderCommand.Create(stdin, stdout, stderr));
        root.Subcommands.Add(LookupCommand.Create(stdout, stderr));
        root.Subcommands.Add(OfflineCommands.Key(stdout, stderr));
        root.Subcommands.Add(OfflineCommands.Authority(stdout, stderr));
        root.Subcommands.Add(OfflineCommands.Witness(stdout, stderr));
        root.Subcommands.Add(OfflineCommands.Operator(stdout, stderr));
        root.Subcommands.Add(OfflineCommands.Point(stdout, stderr));
        root.Subcommands.Add(AckCommand.Create(stdout, stderr));
        root.Subcommands.Add(VerifyCommand.Create(stdout, stderr));
        root.Subcommands.Add(BundleCommand.Create(stdout, stderr));
        root.Subcommands.Add(ExportCommand.Create(stdout, stderr));
        root.Subcommands.Add(ImportCommand.Create(stdout, stderr));
        root.Subcommands.Add(DnsCommand.Create(stdout, stderr));
        root.Subcommands.Add(FirewallCommand.Create(stdout, stderr));
        root.Subcommands.Add(DelistingCommand.Create(stdout, stderr));
        root.Subcommands.Add(ProbeCommand.Create(stdout, stderr));
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        root.Subcommands.Add(MigrateCommand.Create(stdout, stderr));
        return root;
    }

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var root = Create(stdin, stdout, stderr);
        var result = root.Parse(args);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return result.Invoke(config);
    }
}
