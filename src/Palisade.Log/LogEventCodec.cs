using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Palisade.Core.Json;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// Turns one registry event (a JSON object) into log entries and back. An entry is the RFC 8785 canonical JSON of the
/// event. tlog-tiles entries are at most 65,535 bytes, so an event whose list members (<c>targets</c>, <c>add</c>,
/// <c>remove</c>) do not fit is split: the first entry carries the event with as many list items as fit and
/// <c>"parts": n</c>; the next n−1 entries are <c>{"type":"part","of":i,"part":k,…}</c> carrying the following items
/// in order, where i is the log index of the first entry. A reader appends each part's lists to the first entry's.
/// </summary>
public static class LogEventCodec
{
    /// <summary>The largest entry tlog-tiles entry bundles can carry (a big-endian uint16 length).</summary>
    public const int MaxEntryLength = ushort.MaxValue;

    /// <summary>The event type of continuation entries.</summary>
    public const string PartType = "part";

    /// <summary>The list members that may be split across entries, in the order their items are distributed.</summary>
    public static IReadOnlyList<string> SplittableMembers { get; } = ["targets", "add", "remove"];

    private const int PlaceholderNumber = 99_999_999;

    /// <summary>Serialises an event into one entry, or into several when it is larger than <paramref name="maxLength"/>.</summary>
    /// <param name="evt">The event; it is not modified.</param>
    /// <param name="firstIndex">The log index the first entry will have.</param>
    /// <param name="maxLength">The entry size limit (tests lower it).</param>
    public static List<byte[]> Encode(JsonObject evt, ulong firstIndex, int maxLength = MaxEntryLength)
    {
        ArgumentNullException.ThrowIfNull(evt);
        byte[] whole = CanonicalJson.Serialize(evt);
        if (whole.Length <= maxLength)
        {
            return [whole];
        }

        // Collect the items to distribute and the item-less head.
        var items = new List<(string Member, JsonNode? Item, int Cost)>();
        var head = (JsonObject)evt.DeepClone();
        foreach (string member in SplittableMembers)
        {
            if (head[member] is JsonArray array)
            {
                foreach (JsonNode? item in array)
                {
                    items.Add((member, item?.DeepClone(), CanonicalJson.Serialize(item).Length + 1));
                }

                array.Clear();
            }
        }

        head["parts"] = PlaceholderNumber;
        int headBase = CanonicalJson.Serialize(head).Length;
        var partTemplate = new JsonObject
        {
            ["type"] = PartType,
            ["of"] = checked((long)firstIndex),
            ["part"] = PlaceholderNumber,
        };

        var groups = new List<List<(string Member, JsonNode? Item)>>();
        var current = new List<(string Member, JsonNode? Item)>();
        int used = headBase;
        foreach ((string member, JsonNode? item, int cost) in items)
        {
            // An empty list member that a part adds costs its name, brackets and separators: at most 2 + name + 4.
            int memberCost = groups.Count == 0 || current.Exists(x => x.Member == member) ? 0 : member.Length + 6;
            if (used + cost + memberCost > maxLength && current.Count > 0)
            {
                groups.Add(current);
                current = [];
                used = CanonicalJson.Serialize(partTemplate).Length;
                memberCost = member.Length + 6;
            }

            if (used + cost + memberCost > maxLength)
            {
                throw new ArgumentException($"one {member} item is too large for a log entry of {maxLength} bytes");
            }

            current.Add((member, item));
            used += cost + memberCost;
        }

        groups.Add(current);
        var entries = new List<byte[]>(groups.Count);
        for (int g = 0; g < groups.Count; g++)
        {
            JsonObject entry;
            if (g == 0)
            {
                entry = (JsonObject)head.DeepClone();
                entry["parts"] = groups.Count;
            }
            else
            {
                entry = (JsonObject)partTemplate.DeepClone();
                entry["part"] = g;
            }

            foreach ((string member, JsonNode? item) in groups[g])
            {
                if (entry[member] is not JsonArray array)
                {
                    array = [];
                    entry[member] = array;
                }

                array.Add(item);
            }

            byte[] bytes = CanonicalJson.Serialize(entry);
            if (bytes.Length > maxLength)
            {
                throw new InvalidOperationException($"entry part {g} came out at {bytes.Length} bytes, over {maxLength}");
            }

            entries.Add(bytes);
        }

        return entries;
    }

    /// <summary>Parses an entry, checking that it is canonical JSON of an object with a <c>type</c>.</summary>
    /// <exception cref="FormatException">The entry is not a canonical event object.</exception>
    public static JsonObject ParseEntry(ReadOnlySpan<byte> entry, ulong index)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(entry);
        }
        catch (JsonException e)
        {
            throw new FormatException($"log entry {index} is not JSON: {e.Message}", e);
        }

        if (node is not JsonObject obj || obj["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String)
        {
            throw new FormatException($"log entry {index} is not an object with a string 'type'");
        }

        if (!entry.SequenceEqual(CanonicalJson.Serialize(obj)))
        {
            throw new FormatException($"log entry {index} is not in RFC 8785 canonical form");
        }

        return obj;
    }

    /// <summary>Joins consecutive entries back into events: each part's lists are appended to the event it continues.
    /// Yields (index of the first entry, number of entries, event).</summary>
    /// <exception cref="FormatException">An entry is malformed or a part is missing, out of order or orphaned.</exception>
    public static IEnumerable<(ulong Index, int Entries, JsonObject Event)> Join(IEnumerable<(ulong Index, byte[] Entry)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        JsonObject? pending = null;
        ulong pendingIndex = 0;
        int expectedParts = 0;
        int seenParts = 0;
        foreach ((ulong index, byte[] bytes) in entries)
        {
            JsonObject obj = ParseEntry(bytes, index);
            string type = obj["type"]!.GetValue<string>();
            if (type == PartType)
            {
                long of = obj["of"] is JsonValue v && v.TryGetValue(out long o) ? o : -1;
                long part = obj["part"] is JsonValue p && p.TryGetValue(out long k) ? k : -1;
                if (pending is null || of != (long)pendingIndex || part != seenParts)
                {
                    throw new FormatException($"log entry {index} is part {part} of entry {of}, which is not the event being joined");
                }

                foreach (string member in SplittableMembers)
                {
                    if (obj[member] is JsonArray items)
                    {
                        if (pending[member] is not JsonArray target)
                        {
                            throw new FormatException($"log entry {index} continues list '{member}', which entry {of} does not have");
                        }

                        foreach (JsonNode? item in items)
                        {
                            target.Add(item?.DeepClone());
                        }
                    }
                }

                seenParts++;
            }
            else
            {
                if (pending is not null)
                {
                    throw new FormatException($"log entry {index} starts a new event while entry {pendingIndex} still expects parts");
                }

                pending = obj;
                pendingIndex = index;
                expectedParts = obj["parts"] is JsonValue pv && pv.TryGetValue(out int n) ? n : 1;
                if (expectedParts < 1)
                {
                    throw new FormatException($"log entry {index} has parts = {expectedParts}");
                }

                seenParts = 1;
                obj.Remove("parts");
            }

            if (pending is not null && seenParts == expectedParts)
            {
                yield return (pendingIndex, expectedParts, pending);
                pending = null;
            }
        }

        if (pending is not null)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"log entry {pendingIndex} expects {expectedParts} parts but the log ends after {seenParts}"));
        }
    }
}
