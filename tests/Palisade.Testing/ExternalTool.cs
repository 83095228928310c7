using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Palisade.Testing;

/// <summary>Runs the real peers (named-checkzone, unbound, dig, nft, dnsmasq) that ./test.sh installs.</summary>
public static class ExternalTool
{
    /// <summary>The full path of a tool on PATH or in /usr/sbin; fails the test when it is missing.</summary>
    public static string Find(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"{name} is not installed; ./test.sh installs it from Debian packages");
        return name;
    }

    public static async Task<(int Exit, string Output)> RunAsync(string name, params string[] args)
    {
        using Process process = Start(name, args);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static Process Start(string name, params string[] args)
    {
        var info = new ProcessStartInfo(Find(name)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start");
    }

    /// <summary>
    /// An unbound configuration for tests: in the foreground on 127.0.0.1:<paramref name="port"/>, resolving from
    /// <paramref name="names"/> (an auth-zone for the root it iterates from, so answers pass through its modules and
    /// RPZ), with <paramref name="rpz"/> appended (an <c>rpz:</c> clause, or nothing).
    /// </summary>
    public static string UnboundConfig(int port, string directory, string names, string rpz = "") => $"""
        server:
          interface: 127.0.0.1
          port: {port}
          do-daemonize: no
          username: ""
          chroot: ""
          directory: "{directory}"
          pidfile: ""
          use-syslog: no
          logfile: ""
          module-config: "{(rpz.Length > 0 ? "respip iterator" : "iterator")}"
        auth-zone:
          name: "."
          zonefile: "{names}"
          for-downstream: no
          for-upstream: yes
          fallback-enabled: no
        {rpz}
        """;

    /// <summary>A loopback port free for both UDP and TCP at the time of asking.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
