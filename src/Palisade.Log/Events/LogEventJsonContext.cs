using System.Text.Json.Serialization;
using Palisade.Core;
using Palisade.Log;

namespace Palisade.Log.Events;

/// <summary>
/// Source-generated JSON for log events: camelCase members, unknown members refused, required members and nullability
/// enforced, times through <see cref="LogTimeJsonConverter"/>. The <c>type</c> discriminator may stand anywhere, since
/// canonical JSON sorts members by name.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowOutOfOrderMetadataProperties = true,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(LogTimeJsonConverter)])]
[JsonSerializable(typeof(LogEvent))]
public sealed partial class LogEventJsonContext : JsonSerializerContext;
