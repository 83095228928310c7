using System.CommandLine;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade serve</c>: the main job (registry on SQLite, DNS filter and portal in one process). The registry is
/// not built yet, so the verb says what it will run and exits with <see cref="ExitCodes.Unavailable"/>.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stderr)
    {
        var command = new Command("serve", "Run the registry (SQLite), the DNS filter and the transparency portal in one process.");
        command.SetAction(_ =>
        {
            stderr.WriteLine("palisade serve: the registry, DNS filter and portal are not part of this build yet.");
            stderr.WriteLine("When they are, this runs them in one process on an embedded SQLite database.");
            return ExitCodes.Unavailable;
        });
        return command;
    }
}
