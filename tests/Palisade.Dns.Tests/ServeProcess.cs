using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Palisade.Dns.Tests;

/// <summary><c>palisade serve</c> run as users run it, as a separate process (on the one harness,
/// <see cref="PalisadeProcess"/>), with an authority key set up.</summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly PalisadeProcess _process;

    private ServeProcess(PalisadeProcess process, HttpClient http, string dnsPort)
    {
        _process = process;
        Http = http;
        DnsPort = dnsPort;
    }

    public HttpClient Http { get; }

    public string DnsPort { get; }

    /// <summary>What the process wrote so far.</summary>
    public string Output => _process.Output;

    public string AuthorityKey { get; private set; } = "";

    public static Task<ServeProcess> StartAsync(string data, params string[] arguments) => StartAsync(data, fresh: true, arguments);

    /// <summary>Starts serve on a data directory that already has its admin key and authority.</summary>
    public static Task<ServeProcess> RestartAsync(string data, params string[] arguments) => StartAsync(data, fresh: false, arguments);

    private static async Task<ServeProcess> StartAsync(string data, bool fresh, string[] arguments)
    {
        PalisadeProcess process = PalisadeProcess.Start(["serve", "--data", data, "--urls", "http://127.0.0.1:0", .. arguments]);
        try
        {
            await process.WaitForOutputAsync(DnsAddress().ToString());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        string output = process.Output;
        string? admin = AdminKey().Match(output) is { Success: true } key ? key.Groups[1].Value : null;
        string http = RegistryAddress().Match(output).Groups[1].Value;
        string dns = DnsAddress().Match(output).Groups[1].Value;
        if (fresh && admin is null)
        {
            await process.DisposeAsync();
            Assert.Fail("palisade serve did not print its admin key:\n" + output);
        }

        var serve = new ServeProcess(process, new HttpClient { BaseAddress = new Uri(http) }, dns.Split(':')[1]);
        if (!fresh)
        {
            return serve;
        }

        await serve.Post(admin!, "/v1/authorities", new JsonObject { ["id"] = "rkn", ["name"] = "Roskomnadzor", ["jurisdiction"] = "RU", ["url"] = "https://rkn.example/" });
        JsonObject created = await serve.Post(admin!, "/v1/keys", new JsonObject { ["role"] = "authority", ["authority"] = "rkn" });
        serve.AuthorityKey = created["key"]!.GetValue<string>();
        return serve;
    }

    public Task<JsonObject> IssueAsync(string decision, params string[] targets) => Post(AuthorityKey, "/v1/orders", new JsonObject
    {
        ["decision"] = decision, ["decisionDate"] = "2018-04-13", ["legalBasis"] = "Federal Law 149-FZ", ["category"] = "court-order",
        ["summary"] = "A court order", ["effective"] = "2018-04-16T00:00:00Z", ["expires"] = null, ["targets"] = new JsonArray([.. targets.Select(t => JsonValue.Create(t))]),
    });

    /// <summary>Sends SIGTERM, as a service manager stops the process, and returns how long it took to exit and its exit code.</summary>
    public async Task<(TimeSpan Elapsed, int ExitCode)> TerminateAsync()
    {
        var clock = Stopwatch.StartNew();
        int exit = await _process.TerminateAsync();
        return (clock.Elapsed, exit);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Http.Dispose();
    }

    private async Task<JsonObject> Post(string key, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
    }

    [GeneratedRegex(@"First admin key \(shown once, keep it safe\): (\S+)")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"^Palisade registry listening on (\S+)", RegexOptions.Multiline)]
    private static partial Regex RegistryAddress();

    [GeneratedRegex(@"^Palisade DNS listening on (\S+)", RegexOptions.Multiline)]
    private static partial Regex DnsAddress();
}
