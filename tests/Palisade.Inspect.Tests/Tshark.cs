using System.Diagnostics;
using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>The (kind, name) pairs tshark reads from a capture: TLS server names (quic-sni when the frame is QUIC, sni
/// otherwise), HTTP hosts, and DNS query names (queries only), ASCII lower-cased.</summary>
internal static class Tshark
{
    public static string Path()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            string candidate = System.IO.Path.Combine(directory, "tshark");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("tshark is not installed; ./test.sh installs it from Debian's tshark package");
        return "tshark";
    }

    /// <param name="capture">The capture file.</param>
    /// <param name="preferences">tshark preferences (<c>-o NAME:VALUE</c>), such as out-of-order reassembly.</param>
    public static HashSet<(string Kind, string Name)> Names(string capture, params string[] preferences)
    {
        var info = new ProcessStartInfo(Path()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        foreach (string arg in new[] { "-r", capture, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=\u0001", "-e", "frame.protocols",
            "-e", "tls.handshake.extensions_server_name", "-e", "http.host", "-e", "dns.qry.name", "-e", "dns.flags.response" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string preference in preferences)
        {
            info.ArgumentList.Add("-o");
            info.ArgumentList.Add(preference);
        }

        using Process process = Process.Start(info)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = errors.Result;
        var names = new HashSet<(string, string)>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split('\t');
            Array.Resize(ref fields, 5);
            string protocols = fields[0] ?? "";
            foreach (string sni in Values(fields[1]))
            {
                names.Add((protocols.Contains(":quic", StringComparison.Ordinal) ? "quic-sni" : "sni", Lower(sni)));
            }

            foreach (string host in Values(fields[2]))
            {
                names.Add(("http-host", Lower(host)));
            }

            if (Values(fields[4]).Contains("0"))
            {
                foreach (string query in Values(fields[3]))
                {
                    names.Add(("dns-qname", Lower(query)));
                }
            }
        }

        return names;
    }

    /// <summary>ASCII letters lower-cased, as palisade prints names.</summary>
    public static string Lower(string name) => string.Create(name.Length, name, static (span, n) =>
    {
        for (int i = 0; i < n.Length; i++)
        {
            span[i] = n[i] is >= 'A' and <= 'Z' ? (char)(n[i] | 0x20) : n[i];
        }
    });

    private static string[] Values(string? field) => string.IsNullOrEmpty(field) ? [] : field.Split('\u0001', StringSplitOptions.RemoveEmptyEntries);
}
