using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Palisade.Log;
using Palisade.Client;

namespace Palisade.Registry.Tests;

/// <summary>Kills `palisade serve` with SIGKILL at random points while a client appends orders, restarts it, and checks
/// that every acknowledged order is there and the log verifies.</summary>
public abstract partial class CrashTests(ITestOutputHelper output, RegistryStoreKind store)
{
    private const int Trials = 4;

    [Fact]
    public async Task SigkillDuringAppends_EveryAcknowledgedOrderSurvivesAndLogVerifies()
    {
        string data = Path.Combine(Path.GetTempPath(), "palisade-crash-" + Guid.NewGuid().ToString("N"));
        using TestDatabase? database = store == RegistryStoreKind.Postgres ? TestDatabase.Create() : null;
        string[] storeArguments = database is null ? [] : ["--database", database.ConnectionString];
        var acknowledged = new List<string>();
        var random = new Random(20261123);
        string? authorityKey = null;
        Checkpoint? lastSeen = null;
        try
        {
            for (int trial = 0; trial < Trials; trial++)
            {
                (Process server, Uri baseUri, string? adminKey) = await StartServerAsync(data, storeArguments);
                using var http = new HttpClient { BaseAddress = baseUri };
                try
                {
                    if (adminKey is not null)
                    {
                        authorityKey = await SetupAsync(http, adminKey);
                    }

                    await CheckAsync(http, acknowledged, lastSeen, trial);
                    lastSeen = await VerifyAsync(http, baseUri, lastSeen);

                    // Append until the kill lands; the kill comes at a random time while requests are in flight.
                    using var killer = new CancellationTokenSource();
                    int delay = random.Next(150, 900);
                    Task kill = Task.Run(async () =>
                    {
                        await Task.Delay(delay, CancellationToken.None);
                        server.Kill(entireProcessTree: true);
                        await killer.CancelAsync();
                    }, TestContext.Current.CancellationToken);
                    int sent = 0;
                    while (!killer.IsCancellationRequested)
                    {
                        string decision = $"T{trial}-{sent++}";
                        try
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders")
                            {
                                Content = new StringContent(RegistryFixture.Order(decision, $"crash{trial}-{sent}.example").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
                            };
                            request.Headers.Authorization = new("Bearer", authorityKey);
                            using HttpResponseMessage response = await http.SendAsync(request, killer.Token);
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                acknowledged.Add(decision);
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                        {
                            break;
                        }
                    }

                    await kill;
                    await server.WaitForExitAsync(TestContext.Current.CancellationToken);
                    output.WriteLine($"trial {trial + 1}/{Trials}: killed after {delay} ms with {acknowledged.Count} orders acknowledged so far");
                }
                finally
                {
                    if (!server.HasExited)
                    {
                        server.Kill(entireProcessTree: true);
                    }

                    server.Dispose();
                }
            }

            (Process final, Uri finalUri, _) = await StartServerAsync(data, storeArguments);
            using (final)
            using (var http = new HttpClient { BaseAddress = finalUri })
            {
                try
                {
                    await CheckAsync(http, acknowledged, lastSeen, Trials);
                    await VerifyAsync(http, finalUri, lastSeen);
                }
                finally
                {
                    final.Kill(entireProcessTree: true);
                }
            }

            output.WriteLine($"{Trials} SIGKILL trials: all {acknowledged.Count} acknowledged orders present, log verified after each restart");
            Assert.True(acknowledged.Count > 0);
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static async Task<string> SetupAsync(HttpClient http, string adminKey)
    {
        using var authority = new HttpRequestMessage(HttpMethod.Post, "/v1/authorities")
        {
            Content = new StringContent("""{"id":"rkn","name":"Roskomnadzor","jurisdiction":"RU","url":"https://rkn.example/"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        authority.Headers.Authorization = new("Bearer", adminKey);
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(authority)).StatusCode);
        using var key = new HttpRequestMessage(HttpMethod.Post, "/v1/keys")
        {
            Content = new StringContent("""{"role":"authority","authority":"rkn"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        key.Headers.Authorization = new("Bearer", adminKey);
        using HttpResponseMessage response = await http.SendAsync(key);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }

    private static async Task CheckAsync(HttpClient http, List<string> acknowledged, Checkpoint? lastSeen, int trial)
    {
        foreach (string decision in acknowledged)
        {
            using HttpResponseMessage response = await http.GetAsync("/v1/orders/rkn/" + decision);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"after restart {trial}, acknowledged order rkn/{decision} is missing");
        }
    }

    private static async Task<Checkpoint> VerifyAsync(HttpClient http, Uri baseUri, Checkpoint? previous)
    {
        var auditor = new LogAuditor(http, new Uri(baseUri, "/log/"));
        NoteVerifier verifier = NoteVerifier.Parse(await auditor.FetchVerifierKeyAsync());
        LogAuditResult result = await auditor.AuditAsync(verifier, previous);
        return result.Checkpoint;
    }

    internal static async Task<(Process Server, Uri BaseUri, string? AdminKey)> StartServerAsync(string data, string[] storeArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "palisade.dll"), "serve", "--data", data, "--urls", "http://127.0.0.1:0", .. storeArguments])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        string? adminKey = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException("palisade serve exited: " + await process.StandardError.ReadToEndAsync(timeout.Token));
            }

            Match key = AdminKeyLine().Match(line);
            if (key.Success)
            {
                adminKey = key.Groups[1].Value;
            }

            Match listening = ListeningLine().Match(line);
            if (listening.Success)
            {
                // The process goes on logging: keep draining both streams so it never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return (process, new Uri(listening.Groups[1].Value), adminKey);
            }
        }
    }

    [GeneratedRegex(@"First admin key .*: (\S+)$")]
    private static partial Regex AdminKeyLine();

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}

/// <summary>The crash test on SQLite.</summary>
public sealed class CrashTestsOnSqlite(ITestOutputHelper output) : CrashTests(output, RegistryStoreKind.Sqlite);

/// <summary>The crash test on PostgreSQL.</summary>
public sealed class CrashTestsOnPostgres(ITestOutputHelper output) : CrashTests(output, RegistryStoreKind.Postgres);
