using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>A real registry on a fresh SQLite file, served by Kestrel on 127.0.0.1 port 0, with an admin key and two
/// authorities with their keys.</summary>
internal sealed class RegistryFixture : IAsyncDisposable
{
    private RegistryFixture(string directory, RegistryHost host, HttpClient http, ManualTimeProvider time, TestDatabase? database)
    {
        Database = database;
        Directory = directory;
        Host = host;
        Http = http;
        Time = time;
    }

    private bool _stopped;

    public string Directory { get; }

    /// <summary>The PostgreSQL database, for a registry on PostgreSQL; null on SQLite.</summary>
    public TestDatabase? Database { get; }

    public RegistryHost Host { get; private set; }

    public HttpClient Http { get; }

    public ManualTimeProvider Time { get; }

    public string AdminKey { get; private set; } = string.Empty;

    public string RknKey { get; set; } = string.Empty;

    public string AgcomKey { get; private set; } = string.Empty;

    public Uri BaseAddress => Http.BaseAddress!;

    public static async Task<RegistryFixture> StartAsync(Action<RegistryOptions>? configure = null, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging = null,
        RegistryStoreKind store = RegistryStoreKind.Sqlite)
    {
        string directory = Path.Combine(Path.GetTempPath(), "palisade-test-" + Guid.NewGuid().ToString("N"));
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        TestDatabase? database = store == RegistryStoreKind.Postgres ? TestDatabase.Create() : null;
        var options = new RegistryOptions { DataDirectory = directory, Origin = "registry.test/log", Database = database?.ConnectionString };
        configure?.Invoke(options);
        RegistryService registry = RegistryService.Open(options, time);
        RegistryHost host = await RegistryHost.StartAsync(registry, ["http://127.0.0.1:0"], logging);
        var http = new HttpClient { BaseAddress = new Uri(host.Addresses[0]) };
        var fixture = new RegistryFixture(directory, host, http, time, database);
        fixture.AdminKey = registry.Authorities.CreateKey(new Api.CreateKeyRequest { Role = "admin" }).Key;
        await fixture.AddAuthorityAsync("rkn", "Roskomnadzor", "RU");
        await fixture.AddAuthorityAsync("agcom", "AGCOM", "IT");
        fixture.RknKey = await fixture.CreateKeyAsync("authority", "rkn");
        fixture.AgcomKey = await fixture.CreateKeyAsync("authority", "agcom");
        return fixture;
    }

    public async Task AddAuthorityAsync(string id, string name, string jurisdiction)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Post, "/v1/authorities", AdminKey,
            new JsonObject { ["id"] = id, ["name"] = name, ["jurisdiction"] = jurisdiction, ["url"] = $"https://{id}.example/" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<string> CreateKeyAsync(string role, string? authority)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Post, "/v1/keys", AdminKey, new JsonObject { ["role"] = role, ["authority"] = authority });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request);
    }

    public async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object: " + text);
    }

    /// <summary>Waits (up to 20 s) until point <paramref name="point"/> of operator <paramref name="operatorId"/> has
    /// acknowledged <paramref name="version"/> as <c>GET /v1/operators/{id}</c> shows it; fails with <paramref name="context"/>
    /// (such as the enforcement point's output) otherwise.</summary>
    public async Task WaitForAckedVersionAsync(string operatorId, string point, ulong version, Func<string>? context = null)
    {
        long? acked = null;
        for (int i = 0; i < 200 && acked != (long)version; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            JsonObject op = JsonNode.Parse(await Http.GetStringAsync("/v1/operators/" + operatorId, TestContext.Current.CancellationToken))!.AsObject();
            acked = op["points"]!.AsArray().Single(p => p!["id"]!.GetValue<string>() == point)!["ackedVersion"]?.GetValue<long?>();
        }

        Assert.True(acked == (long)version, $"point {point} acknowledged version {acked?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, not {version}\n{context?.Invoke()}");
    }

    public static JsonObject Order(string decision, params string[] targets) => new()
    {
        ["decision"] = decision,
        ["decisionDate"] = "2018-04-13",
        ["legalBasis"] = "Federal Law 149-FZ, art. 15.4",
        ["category"] = "court-order",
        ["summary"] = "Blocking ordered by the Tagansky District Court",
        ["effective"] = "2026-11-23T00:00:00Z",
        ["expires"] = null,
        ["targets"] = new JsonArray([.. targets.Select(t => JsonValue.Create(t))]),
    };

    /// <summary>Runs a statement on the registry's database directly, as someone with access to the file or the server
    /// would, bypassing the registry; returns the rows changed.</summary>
    public int ExecuteSql(string sql, params (string Name, object Value)[] parameters)
    {
        using System.Data.Common.DbConnection connection = OpenDatabase();
        using System.Data.Common.DbCommand command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>Reads one value from the registry's database directly.</summary>
    public object? QuerySql(string sql, params (string Name, object Value)[] parameters)
    {
        using System.Data.Common.DbConnection connection = OpenDatabase();
        using System.Data.Common.DbCommand command = Command(connection, sql, parameters);
        return command.ExecuteScalar();
    }

    private static System.Data.Common.DbCommand Command(System.Data.Common.DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        System.Data.Common.DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            System.Data.Common.DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private System.Data.Common.DbConnection OpenDatabase()
    {
        System.Data.Common.DbConnection connection = Database is null
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Directory, "registry.db")};Pooling=False")
            : new Npgsql.NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Stops the server and the registry, leaving the data directory.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Host.DisposeAsync();
        Host.Registry.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();

        Http.Dispose();
        Database?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
