using System.Text;
using System.Text.Json.Nodes;
using Palisade.Core;
using Palisade.Log.Events;

namespace Palisade.Log.Tests.Events;

/// <summary>Typed log events at the log boundary: canonical bytes out, strict reading in.</summary>
public sealed class LogEventsTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 23, 12, 0, 0, 250, TimeSpan.Zero);

    [Theory]
    [InlineData("unchanged", """{"add":[],"authority":"rkn","decision":"A/1","remove":["b.example"],"time":"2026-11-23T12:00:00.250Z","type":"order.amended"}""")]
    [InlineData("removed", """{"add":[],"authority":"rkn","decision":"A/1","expires":null,"remove":["b.example"],"time":"2026-11-23T12:00:00.250Z","type":"order.amended"}""")]
    [InlineData("set", """{"add":[],"authority":"rkn","decision":"A/1","expires":"2027-01-01T00:00:00Z","remove":["b.example"],"time":"2026-11-23T12:00:00.250Z","type":"order.amended"}""")]
    public void OrderAmended_ExpiryIsAbsentNullOrATime_AndRoundTrips(string kind, string canonical)
    {
        var evt = new OrderAmended
        {
            Time = s_time,
            Authority = "rkn",
            Decision = "A/1",
            Add = [],
            Remove = ["b.example"],
            Expires = kind switch
            {
                "unchanged" => ExpiryChange.Unchanged,
                "removed" => ExpiryChange.Removed,
                _ => ExpiryChange.To(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            },
        };
        byte[] entry = Assert.Single(LogEvents.Encode(evt, 0));
        Assert.Equal(canonical, Encoding.UTF8.GetString(entry));
        var parsed = (OrderAmended)LogEvents.Parse(JsonNode.Parse(entry)!.AsObject());
        Assert.Equal(evt.Expires, parsed.Expires);
        Assert.Equal(evt.Remove, parsed.Remove);
        Assert.Equal(new OrderReference("rkn", "A/1"), parsed.Reference);
    }

    [Fact]
    public void KeyCreated_WritesANullAuthority_AndOptionalMembersAreLeftOut()
    {
        Assert.Equal("""{"authority":null,"key":"k1","role":"operator","time":"2026-11-23T12:00:00.250Z","type":"key.created"}""",
            Encoding.UTF8.GetString(LogEvents.Encode(new KeyCreated { Time = s_time, Key = "k1", Role = "operator", Authority = null }, 0)[0]));
        Assert.Equal("""{"authority":"rkn","decision":"D","time":"2026-11-23T12:00:00.250Z","type":"order.revoked"}""",
            Encoding.UTF8.GetString(LogEvents.Encode(new OrderRevoked { Time = s_time, Authority = "rkn", Decision = "D" }, 0)[0]));
    }

    [Theory]
    [InlineData("""{"type":"order.revoked","time":"2026-11-23T12:00:00Z","authority":"rkn"}""", "decision")]
    [InlineData("""{"type":"order.revoked","time":"2026-11-23T12:00:00Z","authority":"rkn","decision":"D","colour":"red"}""", "colour")]
    [InlineData("""{"type":"order.exploded","time":"2026-11-23T12:00:00Z"}""", "order.exploded")]
    [InlineData("""{"type":"key.rotated","time":"2026-11-23 12:00:00","key":"k"}""", "time")]
    [InlineData("""{"type":"key.rotated","time":"2026-11-23T12:00:00Z","key":null}""", "key")]
    [InlineData("""{"type":"version.published","time":"2026-11-23T12:00:00Z","version":"1","logSize":3,"entries":1,"bundle":"a","delta":"b"}""", "version")]
    public void Parse_NotARegistryEvent_IsRefusedNamingWhy(string json, string named)
    {
        var e = Assert.Throws<FormatException>(() => LogEvents.Parse(JsonNode.Parse(json)!.AsObject()));
        Assert.Contains("not a registry event", e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
