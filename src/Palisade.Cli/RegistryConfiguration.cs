using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Palisade.Registry;

namespace Palisade.Cli;

/// <summary>Registry settings from <c>appsettings.json</c> (section <c>Palisade</c>), then the environment
/// (<c>Palisade__DataDirectory</c> …), then flags, later ones winning.</summary>
internal static class RegistryConfiguration
{
    /// <summary>appsettings.json and the environment, read once per process.</summary>
    private static readonly Lazy<IConfigurationRoot> s_configuration = new(() => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build());

    public static readonly Option<string?> Data = new("--data") { Description = "The data directory (database, log key); created on first run. Default: palisade-data." };

    public static readonly Option<string?> Database = new("--database")
    {
        Description = "Keep the registry in this PostgreSQL database instead of SQLite: an Npgsql connection string (\"Host=…;Port=…;Database=…;Username=…\") " +
            "or a postgresql://user@host:port/database URI. The data directory then holds the log key and the bundle files.",
    };

    public static RegistryOptions Load(ParseResult parseResult, Option<string?>? origin = null, Option<string?>? publicUrl = null)
    {
        var options = new RegistryOptions();
        s_configuration.Value.GetSection("Palisade").Bind(options);
        if (parseResult.GetValue(Data) is string data)
        {
            options.DataDirectory = data;
        }

        if (parseResult.GetValue(Database) is string database)
        {
            options.Database = database;
        }

        if (origin is not null && parseResult.GetValue(origin) is string o)
        {
            options.Origin = o;
        }

        if (publicUrl is not null && parseResult.GetValue(publicUrl) is string u)
        {
            options.PublicUrl = u;
        }

        return options;
    }

    public static string? Urls(ParseResult parseResult, Option<string?> urls)
    {
        if (parseResult.GetValue(urls) is string given)
        {
            return given;
        }

        IConfigurationRoot configuration = s_configuration.Value;
        return configuration["Urls"] ?? configuration["ASPNETCORE_URLS"];
    }
}
