using System.Text;

namespace Palisade.Inspect.Tests;

/// <summary>For every real capture in ../shared/testdata/captures, the (kind, name) pairs palisade reads equal those
/// tshark reads (TLS and QUIC server names with QUIC Initials decrypted, HTTP hosts, DNS query names).</summary>
public sealed class TsharkAgreementTests
{
    [Fact]
    public void EveryCapture_GivesTheNamesTsharkGives()
    {
        string[] files = [.. Directory.GetFiles(TestData.Path("captures")).Where(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.True(files.Length > 50, $"only {files.Length} captures found");
        var differences = new StringBuilder();
        int namesCompared = 0;
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, file =>
        {
            HashSet<(string, string)> expected = Tshark.Names(file);
            HashSet<(string, string)> ours;
            using (FileStream stream = File.OpenRead(file))
            {
                ours = Captures.Pairs(Captures.Read(stream));
            }

            lock (differences)
            {
                namesCompared += expected.Count;
                foreach ((string kind, string name) in expected.Except(ours).Order())
                {
                    differences.Append($"{Path.GetFileName(file)}: tshark reads {kind} {name}, palisade does not\n");
                }

                foreach ((string kind, string name) in ours.Except(expected).Order())
                {
                    differences.Append($"{Path.GetFileName(file)}: palisade reads {kind} {name}, tshark does not\n");
                }
            }
        });
        Assert.True(differences.Length == 0, differences.ToString());
        Assert.True(namesCompared > 100, $"only {namesCompared} names compared");
    }
}
