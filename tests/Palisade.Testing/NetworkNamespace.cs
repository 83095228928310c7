using System.Text.Json.Nodes;

namespace Palisade.Testing;

/// <summary>A network namespace the test creates (and deletes), so nft changes only a kernel state of its own; with a
/// wrapper script that runs nft inside it, for <c>palisade firewall --nft</c>.</summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name, string nftWrapper)
    {
        Name = name;
        Nft = nftWrapper;
    }

    public string Name { get; }

    /// <summary>An executable that runs nft in this namespace with the arguments it is given.</summary>
    public string Nft { get; }

    public static async Task<NetworkNamespace> CreateAsync(string directory)
    {
        string name = "palisade-" + Guid.NewGuid().ToString("N")[..10];
        (int exit, string output) = await ExternalTool.RunAsync("ip", "netns", "add", name);
        Assert.True(exit == 0, $"cannot create a network namespace (the firewall tests need root or CAP_SYS_ADMIN): {output}");
        string wrapper = Path.Combine(directory, "nft-" + name);
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec {ExternalTool.Find("ip")} netns exec {name} {ExternalTool.Find("nft")} \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new NetworkNamespace(name, wrapper);
    }

    /// <summary>Runs nft in the namespace.</summary>
    public Task<(int Exit, string Output)> RunNftAsync(params string[] args) => ExternalTool.RunAsync("ip", ["netns", "exec", Name, ExternalTool.Find("nft"), .. args]);

    /// <summary>The elements the kernel holds in a set, as <c>nft -j list set</c> reports them (an address, a prefix
    /// <c>a/n</c> or a range <c>a-b</c>); null when the set does not exist.</summary>
    public async Task<List<string>?> SetElementsAsync(string table, string set)
    {
        (int exit, string output) = await RunNftAsync("-j", "list", "set", "inet", table, set);
        if (exit != 0)
        {
            return null;
        }

        JsonNode listing = JsonNode.Parse(output)!;
        JsonObject found = listing["nftables"]!.AsArray().Select(n => n!["set"]).OfType<JsonObject>().Single();
        var elements = new List<string>();
        foreach (JsonNode? element in found["elem"]?.AsArray() ?? [])
        {
            elements.Add(element switch
            {
                JsonValue value => value.GetValue<string>(),
                JsonObject { } o when o["prefix"] is JsonObject prefix => $"{prefix["addr"]!.GetValue<string>()}/{prefix["len"]!.GetValue<int>()}",
                JsonObject { } o when o["range"] is JsonArray range => $"{range[0]!.GetValue<string>()}-{range[1]!.GetValue<string>()}",
                _ => throw new FormatException($"unexpected set element {element!.ToJsonString()}"),
            });
        }

        return elements;
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalTool.RunAsync("ip", "netns", "del", Name);
        if (File.Exists(Nft))
        {
            File.Delete(Nft);
        }
    }
}
