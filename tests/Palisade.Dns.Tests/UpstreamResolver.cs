using System.Diagnostics;
using System.Globalization;
using Palisade.Dns.Wire;

namespace Palisade.Dns.Tests;

/// <summary>A real unbound on loopback, authoritative (through an auth-zone it iterates from) for the test names:
/// the upstream the server forwards to.</summary>
public sealed class UpstreamResolver : IAsyncLifetime
{
    private Process? _unbound;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("palisade-dns-").FullName;

    public int Port { get; private set; }

    public async ValueTask InitializeAsync()
    {
        string zone = Path.Combine(Directory, "names.zone");
        var records = new List<string>
        {
            "$TTL 300",
            "@ SOA ns.invalid. hostmaster.invalid. 1 60 60 60 120",
            "@ NS ns.invalid.",
            "telegram.org. A 192.0.2.10",
            "t.me. A 192.0.2.11",
            "a.t.me. A 192.0.2.12",
            "ok.example. A 192.0.2.13",
            "ok.example. AAAA 2001:db8::13",
            "cdn.example. A 149.154.161.1",
            "cdn.example. AAAA 2001:67c:4e8:f004::a",
            "alias.example. CNAME cdn.example.",
            "mapped.example. AAAA ::ffff:149.154.161.7",
            "nat64.example. AAAA 64:ff9b::959a:a107",
            "localnat64.example. AAAA 64:ff9b:1:ab::959a:a107",
            "sixtofour.example. AAAA 2002:959a:a107::1",
        };
        for (int i = 0; i < 30; i++)
        {
            records.Add(string.Create(CultureInfo.InvariantCulture, $"big.example. TXT \"{i:D2}{new string('x', 98)}\""));
        }

        // Longer than what a forward for a UDP client holds (DnsConstants.UdpForwardBuffer).
        for (int i = 0; i < 60; i++)
        {
            records.Add(string.Create(CultureInfo.InvariantCulture, $"huge.example. TXT \"{i:D2}{new string('y', 98)}\""));
        }

        await File.WriteAllLinesAsync(zone, records);
        Port = ExternalTool.FreePort();
        string config = Path.Combine(Directory, "unbound.conf");
        await File.WriteAllTextAsync(config, ExternalTool.UnboundConfig(Port, Directory, zone));
        _unbound = ExternalTool.Start("unbound", "-d", "-c", config);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            (_, string output) = await ExternalTool.RunAsync("dig", "@127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "+tries=1", "+time=1", "ok.example", "A");
            if (output.Contains("status: NOERROR", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("unbound did not start answering");
    }

    public ValueTask DisposeAsync()
    {
        _unbound?.Kill();
        _unbound?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
