using System.Text.Json.Nodes;
using Palisade.Core.Policy;

namespace Palisade.Core.Tests.Policy;

/// <summary>Registry events and small bundles written by hand for the policy tests.</summary>
internal static class PolicyFixtures
{
    public const long Jan1 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public static JsonObject Issued(string authority, string decision, long time, long? expires, params string[] targets) => new()
    {
        ["type"] = "order.issued",
        ["time"] = LogTime.Format(time),
        ["authority"] = authority,
        ["decision"] = decision,
        ["category"] = "court-order",
        ["effective"] = LogTime.Format(Jan1),
        ["expires"] = expires is null ? null : LogTime.Format(expires.Value),
        ["targets"] = new JsonArray([.. targets.Select(t => JsonValue.Create(t))]),
    };

    public static JsonObject Amended(string authority, string decision, long time, string[] add, string[] remove, long? expires = null, bool changeExpiry = false)
    {
        var evt = new JsonObject
        {
            ["type"] = "order.amended",
            ["time"] = LogTime.Format(time),
            ["authority"] = authority,
            ["decision"] = decision,
            ["add"] = new JsonArray([.. add.Select(t => JsonValue.Create(t))]),
            ["remove"] = new JsonArray([.. remove.Select(t => JsonValue.Create(t))]),
        };
        if (changeExpiry)
        {
            evt["expires"] = expires is null ? null : LogTime.Format(expires.Value);
        }

        return evt;
    }

    public static JsonObject Revoked(string authority, string decision, long time) => new()
    {
        ["type"] = "order.revoked",
        ["time"] = LogTime.Format(time),
        ["authority"] = authority,
        ["decision"] = decision,
    };

    /// <summary>A bundle of the given targets, each named by its own order unless listed twice.</summary>
    public static PolicyBundle Bundle(params (string Target, string Reference)[] entries)
    {
        var orders = new Dictionary<string, PolicyOrder>();
        BundleEntry[] list = [.. entries
            .Select(e => new BundleEntry(e.Target, orders.TryGetValue(e.Reference, out PolicyOrder? o) ? o : orders[e.Reference] = new PolicyOrder(e.Reference, "court-order", Jan1, null)))
            .Order(BundleEntry.Comparer)];
        return new PolicyBundle("registry.test/log", 1, 10, new byte[32], Jan1, list);
    }
}
