using System.Text;
using System.Text.Json.Nodes;
using Palisade.Core.Json;
using Palisade.Log;

namespace Palisade.Log.Tests;

public sealed class LogEventCodecTests
{
    [Fact]
    public void CanonicalJson_SortsByUtf16AndEscapesMinimally()
    {
        // RFC 8785 §3.2.3 sorts by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB33 although its code point is
        // higher; §3.2.2.2 keeps non-ASCII literal and escapes control characters in lower-case hex.
        var obj = new JsonObject
        {
            ["\uFB33"] = 1,
            ["\U0001F600"] = 2,
            ["b"] = "line\nbreak \"quoted\" \\ \u0001 \u00e9 </script>",
            ["a"] = new JsonArray(true, false, null, -9007199254740991L),
        };
        string json = Encoding.UTF8.GetString(CanonicalJson.Serialize(obj));
        Assert.Equal("{\"a\":[true,false,null,-9007199254740991],\"b\":\"line\\nbreak \\\"quoted\\\" \\\\ \\u0001 \u00e9 </script>\",\"\U0001F600\":2,\"\uFB33\":1}", json);
    }

    [Fact]
    public void CanonicalJson_RefusesFractionsAndLoneSurrogates()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(JsonValue.Create(1.5)));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(JsonValue.Create(1L << 53)));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(JsonValue.Create("\uD800x")));
    }

    [Fact]
    public void Encode_SmallEvent_IsOneCanonicalEntry()
    {
        var evt = new JsonObject { ["type"] = "order.issued", ["targets"] = new JsonArray("a.example", "b.example") };
        List<byte[]> entries = LogEventCodec.Encode(evt, 7);
        Assert.Single(entries);
        Assert.Equal("{\"targets\":[\"a.example\",\"b.example\"],\"type\":\"order.issued\"}", Encoding.UTF8.GetString(entries[0]));
    }

    [Theory]
    [InlineData(300)]
    [InlineData(1000)]
    [InlineData(LogEventCodec.MaxEntryLength)]
    public void Encode_LargeEvent_SplitsUnderLimitAndJoinsBack(int limit)
    {
        int count = limit == LogEventCodec.MaxEntryLength ? 6000 : 200;
        var targets = new JsonArray();
        var remove = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            targets.Add($"https://example.org/page/{i}");
            if (i % 3 == 0)
            {
                remove.Add($"old-{i}.example");
            }
        }

        var evt = new JsonObject
        {
            ["type"] = "order.amended",
            ["order"] = "authority/decision",
            ["targets"] = targets,
            ["remove"] = remove,
        };
        string expected = evt.ToJsonString();
        List<byte[]> entries = LogEventCodec.Encode(evt, 41, limit);
        Assert.True(entries.Count > 1);
        Assert.All(entries, e => Assert.True(e.Length <= limit, $"entry of {e.Length} bytes"));
        Assert.Equal(expected, evt.ToJsonString());

        var joined = LogEventCodec.Join(entries.Select((e, i) => (41UL + (ulong)i, e))).ToList();
        (ulong index, int parts, JsonObject evt2) = Assert.Single(joined);
        Assert.Equal(41UL, index);
        Assert.Equal(entries.Count, parts);
        Assert.Equal(CanonicalJson.Serialize(evt), CanonicalJson.Serialize(evt2));
    }

    [Fact]
    public void Join_MissingOrForeignPart_Throws()
    {
        var targets = new JsonArray();
        for (int i = 0; i < 100; i++)
        {
            targets.Add($"name-{i}.example");
        }

        List<byte[]> entries = LogEventCodec.Encode(new JsonObject { ["type"] = "order.issued", ["targets"] = targets }, 0, 300);
        Assert.True(entries.Count > 2);
        Assert.Throws<FormatException>(() => LogEventCodec.Join(entries.Take(entries.Count - 1).Select((e, i) => ((ulong)i, e))).ToList());
        Assert.Throws<FormatException>(() => LogEventCodec.Join(entries.Where((_, i) => i != 1).Select((e, i) => ((ulong)i, e))).ToList());
        Assert.Throws<FormatException>(() => LogEventCodec.Join(entries.Select((e, i) => ((ulong)i + 5, e))).ToList());
    }

    [Fact]
    public void ParseEntry_NonCanonicalOrTruncated_Throws()
    {
        Assert.Contains("canonical", Assert.Throws<FormatException>(() => LogEventCodec.ParseEntry("{\"type\": \"x\"}"u8, 3)).Message, StringComparison.Ordinal);
        byte[] entry = LogEventCodec.Encode(new JsonObject { ["type"] = "order.revoked", ["reason"] = "court \u00e9" }, 0)[0];
        for (int i = 0; i < entry.Length; i++)
        {
            int cut = i;
            Assert.Throws<FormatException>(() => LogEventCodec.ParseEntry(entry.AsSpan(0, cut), 0));
        }

        Assert.Equal("order.revoked", LogEventCodec.ParseEntry(entry, 0)["type"]!.GetValue<string>());
    }
}
