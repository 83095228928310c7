using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Registry.Api;

namespace Palisade.Registry;

/// <summary>
/// The over-blocking safeguards: a target that is or covers a public suffix, overlaps a protected resource, or is an IP
/// prefix wider than the configured limits (an IPv6 prefix also through every IPv4 prefix it embeds, see <see cref="EmbeddedIPv4"/>) needs an override
/// with a justification, which is logged with the order.
/// </summary>
internal sealed class Safeguards
{
    private readonly PublicSuffixList _publicSuffixes;
    private readonly List<ProtectedResource> _protected;
    private readonly int _widestIPv4;
    private readonly int _widestIPv6;

    private Safeguards(PublicSuffixList publicSuffixes, List<ProtectedResource> protectedResources, int widestIPv4, int widestIPv6)
    {
        _publicSuffixes = publicSuffixes;
        _protected = protectedResources;
        _widestIPv4 = widestIPv4;
        _widestIPv6 = widestIPv6;
    }

    /// <summary>The safeguards the options ask for: the Public Suffix List, the built-in protected resources (unless
    /// omitted) and the configured ones, and the widest prefixes.</summary>
    /// <exception cref="RegistryConfigurationException">A protected resource is not valid.</exception>
    public static Safeguards FromOptions(RegistryOptions options)
    {
        var protectedResources = new List<ProtectedResource>();
        foreach (string text in options.OmitDefaultProtectedResources ? options.ProtectedResources : [.. ProtectedResource.Defaults, .. options.ProtectedResources])
        {
            if (!ProtectedResource.TryParse(text, out ProtectedResource resource, out string? error))
            {
                throw new RegistryConfigurationException($"protected resource '{text}' is invalid: {error}");
            }

            protectedResources.Add(resource);
        }

        return new Safeguards(PublicSuffixList.Load(options.PublicSuffixListPath), protectedResources, options.WidestIPv4Prefix, options.WidestIPv6Prefix);
    }

    /// <summary>Refuses a target that would cover a public suffix, a protected resource or an over-wide prefix unless an
    /// override with a justification names it; returns the overrides to log.</summary>
    public List<LoggedOverride>? Check(List<OrderTarget> targets, string field, List<TargetOverride>? overrides)
    {
        var justifications = new Dictionary<string, string>(StringComparer.Ordinal);
        var overridden = new string[overrides?.Count ?? 0];
        if (overrides is not null)
        {
            for (int i = 0; i < overrides.Count; i++)
            {
                // An override names its target in any spelling the target itself may have.
                string target = Fields.Required(overrides[i]?.Target, $"overrides[{i}].target", 2000);
                target = overridden[i] = OverrideTarget(target);
                string justification = Fields.Required(overrides[i]?.Justification, $"overrides[{i}].justification", 10_000);
                if (!justifications.TryAdd(target, justification))
                {
                    throw RegistryProblem.Invalid($"overrides[{i}].target", $"overrides[{i}] repeats the target '{target}'");
                }
            }
        }

        var logged = new List<LoggedOverride>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            string? reason = ProtectionReason(targets[i]);
            if (reason is null)
            {
                continue;
            }

            if (!justifications.TryGetValue(targets[i].Value, out string? justification))
            {
                throw RegistryProblem.Protected($"{field}[{i}]", $"{field}[{i}] '{targets[i].Value}' {reason}; covering it needs an entry in 'overrides' with a justification, which is logged");
            }

            used.Add(targets[i].Value);
            logged.Add(new LoggedOverride { Target = targets[i].Value, Protection = reason, Justification = justification });
        }

        for (int i = 0; overrides is not null && i < overrides.Count; i++)
        {
            if (!used.Contains(overridden[i]))
            {
                throw RegistryProblem.Invalid($"overrides[{i}].target", $"overrides[{i}] names '{overrides[i].Target}', which is not a protected target of this request");
            }
        }

        return logged.Count > 0 ? logged : null;
    }

    /// <summary>The target an override names, in canonical form when it is a valid target (an override may spell its
    /// target any way the target itself may be spelt).</summary>
    public static string OverrideTarget(string text) => OrderTarget.TryParseForOrder(text, out OrderTarget target, out _) ? target.Value : text;

    /// <summary>Why a target needs an override, or null when it needs none.</summary>
    public string? ProtectionReason(OrderTarget target)
    {
        switch (target.Kind)
        {
            case TargetKind.Domain:
            case TargetKind.Pattern:
                if (_publicSuffixes.IsPublicSuffix(target.Pattern.Name))
                {
                    return target.Kind == TargetKind.Pattern
                        ? $"covers every name under the public suffix '{target.Pattern.Name}'"
                        : $"is a public suffix (every registrant below it shares it)";
                }

                foreach (ProtectedResource resource in _protected)
                {
                    if (resource.Overlaps(target.Pattern))
                    {
                        return $"overlaps the protected resource '{resource}'";
                    }
                }

                return null;
            case TargetKind.Prefix:
                // A prefix that spells IPv4 addresses as IPv6 (NAT64, 6to4, mapped, compatible) reaches them: it is held to
                // the IPv4 limits through every IPv4 prefix it embeds, as well as to the IPv6 ones.
                foreach ((EmbeddedIPv4.Form form, IpPrefix embedded) in EmbeddedIPv4.Of(target.Prefix))
                {
                    if (PrefixProtectionReason(embedded) is { } translated)
                    {
                        return $"reaches {embedded} through the {form.Name}, and is held to the IPv4 rules (an IPv4 prefix wider than /{_widestIPv4} "
                            + $"or overlapping a protected resource needs an override): {embedded} {translated}";
                    }
                }

                return PrefixProtectionReason(target.Prefix);
            default:
                // A URL target names one resource exactly, which is how content on shared infrastructure is reached
                // without collateral damage; it needs no override.
                return null;
        }
    }

    private string? PrefixProtectionReason(IpPrefix prefix)
    {
        int widest = prefix.IsIPv6 ? _widestIPv6 : _widestIPv4;
        if (prefix.PrefixLength < widest)
        {
            return $"is wider than /{widest}, the widest {(prefix.IsIPv6 ? "IPv6" : "IPv4")} prefix an order may name without an override";
        }

        foreach (ProtectedResource resource in _protected)
        {
            if (resource.Overlaps(prefix))
            {
                return $"overlaps the protected resource '{resource}'";
            }
        }

        return null;
    }
}
