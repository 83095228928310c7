using Palisade.Log.Events;
using System.Text.Json.Nodes;
using Palisade.Policy;

namespace Palisade.Policy.Tests;

/// <summary>Registry events and small bundles written by hand for the policy tests.</summary>
internal static class PolicyFixtures
{
    public const long Jan1 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public static OrderIssued Issued(string authority, string decision, long time, long? expires, params string[] targets) => new()
    {
        Time = DateTimeOffset.FromUnixTimeMilliseconds(time),
        Authority = authority,
        Decision = decision,
        DecisionDate = "2018-04-13",
        LegalBasis = "law",
        Category = "court-order",
        IssuingBody = "court",
        Summary = "summary",
        Effective = DateTimeOffset.FromUnixTimeMilliseconds(Jan1),
        Expires = expires is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(expires.Value),
        Targets = targets,
    };

    public static OrderAmended Amended(string authority, string decision, long time, string[] add, string[] remove, long? expires = null, bool changeExpiry = false) => new()
    {
        Time = DateTimeOffset.FromUnixTimeMilliseconds(time),
        Authority = authority,
        Decision = decision,
        Add = add,
        Remove = remove,
        Expires = !changeExpiry ? ExpiryChange.Unchanged : expires is null ? ExpiryChange.Removed : ExpiryChange.To(DateTimeOffset.FromUnixTimeMilliseconds(expires.Value)),
    };

    public static OrderRevoked Revoked(string authority, string decision, long time) => new()
    {
        Time = DateTimeOffset.FromUnixTimeMilliseconds(time),
        Authority = authority,
        Decision = decision,
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
