using System.CommandLine;
using Palisade.Registry;

namespace Palisade.Cli;

/// <summary><c>palisade migrate --from DIR --to CONNECTION</c>: copies a SQLite registry into an empty PostgreSQL
/// database, which then serves the same log with <c>serve --database CONNECTION --data DIR</c>.</summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var from = new Option<string>("--from") { Description = "The data directory of the SQLite registry to copy (registry.db and log.key).", Required = true };
        var to = new Option<string>("--to") { Description = "The empty PostgreSQL database to copy into: an Npgsql connection string or a postgresql:// URI.", Required = true };
        var command = new Command("migrate", "Copy a SQLite registry into an empty PostgreSQL database; the copy is checked to serve the same signed log.") { from, to };
        command.SetAction(parseResult =>
        {
            string directory = parseResult.GetValue(from)!;
            try
            {
                string note = RegistryService.Migrate(directory, parseResult.GetValue(to)!,
                    new Progress(row => stderr.WriteLine($"copied {row.Table}: {row.Rows} rows")));
                string[] lines = note.Split('\n');
                stdout.WriteLine($"migrated log {lines[0]} of {lines[1]} entries, root {lines[2]}; serve it with: palisade serve --database CONNECTION --data {directory}");
                return ExitCodes.Success;
            }
            catch (RegistryConfigurationException e)
            {
                stderr.WriteLine($"palisade migrate: {e.Message}");
                return ExitCodes.ConfigurationError;
            }
        });
        return command;
    }

    /// <summary>Reports synchronously, on the copying thread, so lines come out in order.</summary>
    private sealed class Progress(Action<(string Table, long Rows)> report) : IProgress<(string Table, long Rows)>
    {
        public void Report((string Table, long Rows) value) => report(value);
    }
}
