using Palisade.Core;
using Palisade.Policy;

namespace Palisade.Probe;

/// <summary>
/// Chooses what a probe measures from a verified version: the targets in force (all, a sample, or a chosen subset),
/// resources derived from them that no order covers (the parent and the <c>www</c> sibling of each name, the name under
/// a wildcard), and a control list. Each resource is classified with the same matcher as every enforcement point.
/// </summary>
public sealed class ResourcePlanner(CompiledPolicy policy, long unixMilliseconds, PublicSuffixList? suffixes = null)
{
    /// <summary>The URL schemes each name and address target is measured with.</summary>
    public IReadOnlyList<string> Schemes { get; init; } = ["http", "https"];

    /// <summary>The distinct targets of orders in force (an entry of each), in the version's order.</summary>
    public List<BundleEntry> TargetsInForce() =>
        [.. policy.Bundle.Entries.Where(e => e.Order.IsActiveAt(unixMilliseconds)).DistinctBy(e => e.Target, StringComparer.Ordinal)];

    /// <summary>The resources for <paramref name="targets"/> (entries of the version) and the control list.</summary>
    public List<ProbeResource> Plan(IEnumerable<BundleEntry> targets, IEnumerable<string> controlUrls)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(controlUrls);
        var resources = new List<ProbeResource>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (BundleEntry entry in targets)
        {
            string target = entry.Target;
            switch (entry.Kind)
            {
                case TargetKind.Url:
                    Add(resources, seen, target, null, null);
                    break;
                case TargetKind.Domain:
                    AddName(resources, seen, target);
                    Derive(resources, seen, target);
                    break;
                case TargetKind.Pattern:
                    // "*.example.com" covers every name strictly below: measure one, and the parent it does not cover.
                    string parent = target[2..];
                    AddName(resources, seen, "www." + parent);
                    foreach (string scheme in Schemes)
                    {
                        Add(resources, seen, $"{scheme}://{parent}/", target, $"the parent of wildcard {target}, which it does not cover");
                    }

                    break;
                case TargetKind.Prefix:
                    IpPrefix prefix = entry.Prefix;
                    if (prefix.IsHost)
                    {
                        string host = prefix.IsIPv6 ? $"[{prefix.BaseAddress}]" : prefix.BaseAddress.ToString();
                        foreach (string scheme in Schemes)
                        {
                            Add(resources, seen, $"{scheme}://{host}/", null, null);
                        }
                    }

                    break;
            }
        }

        foreach (string url in controlUrls)
        {
            Add(resources, seen, url, null, null);
        }

        return resources;
    }

    private void AddName(List<ProbeResource> resources, HashSet<string> seen, string name)
    {
        foreach (string scheme in Schemes)
        {
            Add(resources, seen, $"{scheme}://{name}/", null, null);
        }
    }

    /// <summary>The parent (when it is not a public suffix) and the <c>www</c> sibling of an ordered name.</summary>
    private void Derive(List<ProbeResource> resources, HashSet<string> seen, string name)
    {
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return;
        }

        string parent = name[(dot + 1)..];
        bool parentIsSuffix = parent.IndexOf('.', StringComparison.Ordinal) < 0
            || (suffixes is not null && DomainName.TryParse(parent, out DomainName parentName) && suffixes.IsPublicSuffix(parentName));
        if (parentIsSuffix)
        {
            return;
        }

        string scheme = Schemes[0];
        Add(resources, seen, $"{scheme}://{parent}/", name, $"the parent of {name}");
        if (!name.StartsWith("www.", StringComparison.Ordinal))
        {
            Add(resources, seen, $"{scheme}://www.{parent}/", name, $"a sibling of {name}");
        }
    }

    private void Add(List<ProbeResource> resources, HashSet<string> seen, string url, string? derivedFrom, string? note)
    {
        if (!UrlKey.TryParse(url, out UrlKey key) || !seen.Add(key.Value))
        {
            return;
        }

        var orders = new SortedSet<string>(StringComparer.Ordinal);
        string? entry = null;
        foreach (PolicyMatch match in policy.MatchUrlAndHost(key))
        {
            foreach (BundleEntry e in match.Entries)
            {
                if (e.Order.IsActiveAt(unixMilliseconds))
                {
                    orders.Add(e.Order.Reference);
                    entry ??= match.Target;
                }
            }
        }

        ResourceKind kind = orders.Count > 0 ? ResourceKind.Ordered : derivedFrom is not null ? ResourceKind.Derived : ResourceKind.Control;
        resources.Add(new ProbeResource(new Uri(key.Value), kind, [.. orders], entry ?? derivedFrom, orders.Count > 0 ? null : note));
    }
}
