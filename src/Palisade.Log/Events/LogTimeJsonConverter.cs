using System.Text.Json;
using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>Times in log events: UTC RFC 3339 with milliseconds only when present, exactly as <see cref="LogTime"/>
/// writes them, and nothing else on reading.</summary>
public sealed class LogTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadTime(ref reader);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(LogTime.Format(value));
    }

    internal static DateTimeOffset ReadTime(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || !LogTime.TryParse(reader.GetString(), out long milliseconds))
        {
            throw new JsonException("a time in a log event is an RFC 3339 UTC time such as 2018-04-16T00:00:00Z");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
