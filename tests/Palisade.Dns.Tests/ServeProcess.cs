using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Palisade.Dns.Tests;

/// <summary><c>palisade serve</c> run as users run it, as a separate process, with an authority key set up.</summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, HttpClient http, string dnsPort)
    {
        _process = process;
        Http = http;
        DnsPort = dnsPort;
    }

    public HttpClient Http { get; }

    public string DnsPort { get; }

    public string AuthorityKey { get; private set; } = "";

    public static Task<ServeProcess> StartAsync(string data, params string[] arguments) => StartAsync(data, fresh: true, arguments);

    /// <summary>Starts serve on a data directory that already has its admin key and authority.</summary>
    public static Task<ServeProcess> RestartAsync(string data, params string[] arguments) => StartAsync(data, fresh: false, arguments);

    private static async Task<ServeProcess> StartAsync(string data, bool fresh, string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "palisade.dll"), "serve", "--data", data, "--urls", "http://127.0.0.1:0" }.Concat(arguments))
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info)!;
        string? admin = null, http = null, dns = null;
        using var starting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        starting.CancelAfter(TimeSpan.FromSeconds(60));
        while ((fresh && admin is null) || http is null || dns is null)
        {
            string? line = await process.StandardOutput.ReadLineAsync(starting.Token);
            if (line is null)
            {
                break;
            }

            if (AdminKey().Match(line) is { Success: true } key)
            {
                admin = key.Groups[1].Value;
            }
            else if (RegistryAddress().Match(line) is { Success: true } registry)
            {
                http = registry.Groups[1].Value;
            }
            else if (DnsAddress().Match(line) is { Success: true } server)
            {
                dns = server.Groups[1].Value;
            }
        }

        // The process goes on writing its log: keep draining both streams so it never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if ((fresh && admin is null) || http is null || dns is null)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("palisade serve did not print its addresses and admin key");
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
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(wait.Token);
        return (clock.Elapsed, _process.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            Http.Dispose();
            return;
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
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

    [GeneratedRegex(@"^Palisade registry listening on (\S+)")]
    private static partial Regex RegistryAddress();

    [GeneratedRegex(@"^Palisade DNS listening on (\S+)")]
    private static partial Regex DnsAddress();
}
