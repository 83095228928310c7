using System.Text.Json;
using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>What an amendment does to an order's expiry: nothing (the member is absent), remove it (null), or set it.</summary>
[JsonConverter(typeof(ExpiryChangeJsonConverter))]
public readonly record struct ExpiryChange
{
    private ExpiryChange(bool changed, DateTimeOffset? expires)
    {
        IsChanged = changed;
        Expires = expires;
    }

    /// <summary>The expiry stays as it is.</summary>
    public static ExpiryChange Unchanged => default;

    /// <summary>The order no longer expires.</summary>
    public static ExpiryChange Removed => new(true, null);

    /// <summary>Whether the amendment changes the expiry.</summary>
    public bool IsChanged { get; }

    /// <summary>The new expiry; null when removed (or unchanged).</summary>
    public DateTimeOffset? Expires { get; }

    /// <summary>The order expires at <paramref name="expires"/>.</summary>
    public static ExpiryChange To(DateTimeOffset expires) => new(true, expires);
}

/// <summary>Reads and writes <see cref="ExpiryChange"/>: JSON null is "removed", a log time is "set"; an absent member
/// stays <see cref="ExpiryChange.Unchanged"/> and is not written.</summary>
public sealed class ExpiryChangeJsonConverter : JsonConverter<ExpiryChange>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override ExpiryChange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? ExpiryChange.Removed : ExpiryChange.To(LogTimeJsonConverter.ReadTime(ref reader));

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ExpiryChange value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Expires is { } expires)
        {
            writer.WriteStringValue(LogTime.Format(expires));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
