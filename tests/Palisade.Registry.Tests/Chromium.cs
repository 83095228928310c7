using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Palisade.Registry.Tests;

/// <summary>Debian's Chromium, headless, driven over the Chrome DevTools Protocol (one page, one WebSocket).</summary>
internal sealed class Chromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket;
    private readonly string _profile;
    private int _id;

    private Chromium(Process process, ClientWebSocket socket, string profile)
    {
        _process = process;
        _socket = socket;
        _profile = profile;
    }

    /// <summary>Starts Chromium; <paramref name="hostRules"/> maps names to loopback addresses (--host-resolver-rules).</summary>
    public static async Task<Chromium> StartAsync(string? hostRules = null)
    {
        string profile = Directory.CreateTempSubdirectory("palisade-chromium-").FullName;
        var info = new ProcessStartInfo(ExternalTool.Find("chromium")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1024,900" })
        {
            info.ArgumentList.Add(arg);
        }

        if (hostRules is not null)
        {
            info.ArgumentList.Add("--host-resolver-rules=" + hostRules);
        }

        info.ArgumentList.Add("about:blank");
        Process process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        string? endpoint = null;
        using var starting = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (endpoint is null && await process.StandardError.ReadLineAsync(starting.Token) is { } line)
        {
            int at = line.IndexOf("ws://", StringComparison.Ordinal);
            endpoint = line.StartsWith("DevTools listening on", StringComparison.Ordinal) && at >= 0 ? line[at..].Trim() : null;
        }

        _ = process.StandardError.ReadToEndAsync();
        Assert.True(endpoint is not null, "chromium did not print its DevTools address");
        var browser = new Uri(endpoint);
        using var http = new HttpClient();
        JsonArray targets = JsonNode.Parse(await http.GetStringAsync($"http://{browser.Authority}/json/list"))!.AsArray();
        string page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(page), CancellationToken.None);
        var chromium = new Chromium(process, socket, profile);
        await chromium.SendAsync("Page.enable");
        return chromium;
    }

    /// <summary>Loads a URL and waits for the page to finish loading.</summary>
    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("document.readyState === 'complete' && location.href !== 'about:blank'");
    }

    /// <summary>Evaluates JavaScript in the page (promises awaited) and returns its value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        JsonNode result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        return result["result"]?["value"];
    }

    /// <summary>Polls an expression until it is true (at most 20 s).</summary>
    public async Task WaitForAsync(string condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            JsonNode? result;
            try
            {
                result = await EvaluateAsync(condition);
            }
            catch (InvalidOperationException e) when (e.Message.Contains("navigated or closed", StringComparison.Ordinal)
                || e.Message.Contains("context", StringComparison.OrdinalIgnoreCase))
            {
                // The page is between documents (a click or a form started a navigation): ask the next one.
                result = null;
            }

            if (result is JsonValue value && value.TryGetValue(out bool done) && done)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the page never satisfied: {condition}");
    }

    /// <summary>Saves a PNG screenshot as a test artifact (a file beside the tests, and a test attachment).</summary>
    public async Task ScreenshotAsync(string name)
    {
        JsonNode shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        byte[] png = Convert.FromBase64String(shot["data"]!.GetValue<string>());
        string directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, name + ".png"), png);
        TestContext.Current.AddAttachment(name + ".png", png, "image/png");
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        int id = ++_id;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        byte[] buffer = new byte[1 << 16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var text = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                text.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            JsonNode reply = JsonNode.Parse(text.ToArray())!;
            if (reply["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            if (reply["error"] is { } error)
            {
                throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            }

            return reply["result"]!;
        }
    }
}
