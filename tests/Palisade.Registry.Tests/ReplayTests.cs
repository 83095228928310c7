using System.Text;
using System.Text.Json.Nodes;
using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Log;

namespace Palisade.Registry.Tests;

/// <summary>
/// A log written through the HTTP API by the build before typed events and the store redesign (Data/log-v1: 27
/// entries with every event type, a three-part order and four registry versions), and its data directory. Every later
/// build must read the same events from it, write the same bytes for them, and rebuild the same roots and bundles.
/// </summary>
public sealed class ReplayTests
{
    private static readonly string s_data = Path.Combine(AppContext.BaseDirectory, "Data", "log-v1");

    private static List<(ulong Index, byte[] Entry)> Entries() =>
        [.. File.ReadAllLines(Path.Combine(s_data, "entries.txt")).Select((line, i) => ((ulong)i, Convert.FromBase64String(line)))];

    [Fact]
    public void LogV1_EntriesHashToTheSignedRoot()
    {
        List<(ulong Index, byte[] Entry)> entries = Entries();
        NoteVerifier verifier = NoteVerifier.Parse(File.ReadAllText(Path.Combine(s_data, "key.txt")).Trim());
        Checkpoint checkpoint = Checkpoint.Parse(verifier.Verify(File.ReadAllText(Path.Combine(s_data, "checkpoint.txt"))).Text);
        Assert.Equal(27ul, checkpoint.Size);
        var tree = new MerkleNodeStore();
        foreach ((_, byte[] entry) in entries)
        {
            tree.Append(MerkleHash.Leaf(entry));
        }

        Assert.Equal(checkpoint.RootHash, MerkleProofBuilder.Root(tree, checkpoint.Size));
    }

    [Fact]
    public void LogV1_EveryVersionRebuildsToThePublishedHashes()
    {
        List<(ulong Index, byte[] Entry)> entries = Entries();
        var tree = new MerkleNodeStore();
        foreach ((_, byte[] entry) in entries)
        {
            tree.Append(MerkleHash.Leaf(entry));
        }

        var published = LogEventCodec.Join(entries).Where(e => e.Event["type"]!.GetValue<string>() == "version.published").ToList();
        Assert.Equal(4, published.Count);
        foreach ((_, _, JsonObject evt) in published)
        {
            ulong version = evt["version"]!.GetValue<ulong>();
            (PolicyBundle bundle, string bundleHash) = VersionBuilder.Rebuild("fixture.palisade.example/log-v1", entries, tree, version);
            Assert.Equal(bundleHash, Convert.ToHexStringLower(bundle.ComputeHash()));
            Assert.Equal(evt["entries"]!.GetValue<int>(), bundle.Entries.Length);
        }
    }

    [Fact]
    public void LogV1_EveryEventReencodesToTheSameEntries()
    {
        List<(ulong Index, byte[] Entry)> entries = Entries();
        int events = 0;
        var types = new HashSet<Type>();
        foreach ((ulong index, int count, LogEvent evt) in LogEvents.Join(entries))
        {
            types.Add(evt.GetType());
            List<byte[]> encoded = LogEvents.Encode(evt, index);
            Assert.Equal(count, encoded.Count);
            for (int i = 0; i < count; i++)
            {
                Assert.True(encoded[i].AsSpan().SequenceEqual(entries[(int)index + i].Entry), $"entry {index + (ulong)i} re-encodes differently");
            }

            events++;
        }

        Assert.Equal(22, events);
        Assert.Equal(8, types.Count);
    }

    [Fact]
    public void LogV1_DataDirectory_OpensAndServesTheSameLogAndVersions()
    {
        string directory = Path.Combine(Path.GetTempPath(), "palisade-v1-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            File.Copy(Path.Combine(s_data, "registry.db"), Path.Combine(directory, "registry.db"));
            File.Copy(Path.Combine(s_data, "log.key"), Path.Combine(directory, "log.key"));
            using RegistryService registry = RegistryService.Open(new RegistryOptions { DataDirectory = directory });
            Assert.Equal(File.ReadAllText(Path.Combine(s_data, "checkpoint.txt")), registry.Log.State.Note);
            Assert.Equal(4ul, registry.Versions.LatestVersion!.Version);
            Assert.Equal("rkn/27-31-2018/Ид4412-18", registry.Queries.Lookup("telegram.me", null, null).Matches.Single().Order);
            Assert.Equal(Encoding.UTF8.GetString(Convert.FromBase64String(File.ReadAllLines(Path.Combine(s_data, "entries.txt"))[7])),
                Encoding.UTF8.GetString(registry.Queries.ReadEntries(7, 1)[0]));

            // The schema-1 file is upgraded in place: the witness's table exists and the version says so.
            registry.WitnessLog("other.test/log", registry.Log.VerifierKey);
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, "registry.db")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
            Assert.Equal(Storage.RegistryStore.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), command.ExecuteScalar());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
