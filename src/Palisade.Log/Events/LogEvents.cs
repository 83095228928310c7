using System.Text.Json;
using System.Text.Json.Nodes;
using Palisade.Log;
using Palisade.Core;

namespace Palisade.Log.Events;

/// <summary>The log boundary: typed events to canonical entries (split as <see cref="LogEventCodec"/> splits them) and
/// joined entries back to typed events.</summary>
public static class LogEvents
{
    /// <summary>The event as a JSON object, with its <c>type</c>.</summary>
    public static JsonObject ToJson(LogEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return (JsonObject)JsonSerializer.SerializeToNode(evt, LogEventJsonContext.Default.LogEvent)!;
    }

    /// <summary>The log entries of an event whose first entry will have index <paramref name="firstIndex"/>.</summary>
    public static List<byte[]> Encode(LogEvent evt, ulong firstIndex) => LogEventCodec.Encode(ToJson(evt), firstIndex);

    /// <summary>Reads a joined event.</summary>
    /// <exception cref="FormatException">It is not a registry event: unknown type or member, a required member missing,
    /// a member of the wrong kind, a time not in log form.</exception>
    public static LogEvent Parse(JsonObject evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        try
        {
            return evt.Deserialize(LogEventJsonContext.Default.LogEvent) ?? throw new FormatException("the event is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new FormatException($"the {(evt["type"] as JsonValue)?.ToString() ?? "untyped"} event is not a registry event: {e.Message}", e);
        }
    }

    /// <summary>Joins entries into events (<see cref="LogEventCodec.Join"/>) and reads each.</summary>
    /// <exception cref="FormatException">An entry or event is malformed; the message names its index.</exception>
    public static IEnumerable<(ulong Index, int Entries, LogEvent Event)> Join(IEnumerable<(ulong Index, byte[] Entry)> entries)
    {
        foreach ((ulong index, int count, JsonObject evt) in LogEventCodec.Join(entries))
        {
            LogEvent parsed;
            try
            {
                parsed = Parse(evt);
            }
            catch (FormatException e)
            {
                throw new FormatException($"log entry {index}: {e.Message}", e);
            }

            yield return (index, count, parsed);
        }
    }
}
