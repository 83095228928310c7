using Palisade.Registry;
using Palisade.Registry.Api;

namespace Palisade.Benchmarks;

/// <summary>What the registry benchmarks share: a registry with one authority, its caller, and a small order.</summary>
internal static class BenchRegistry
{
    /// <summary>The authority every benchmark order is issued by.</summary>
    public static readonly Caller Authority = new("bench", Role.Authority, "court");

    /// <summary>Opens a registry and registers the authority <c>court</c>.</summary>
    public static RegistryService Open(RegistryOptions options)
    {
        RegistryService registry = RegistryService.Open(options);
        registry.Authorities.AddAuthority(new AddAuthorityRequest { Id = "court", Name = "A court", Jurisdiction = "XX", Url = "https://court.example" });
        return registry;
    }

    /// <summary>An order of the given targets, in force from 2026-01-03.</summary>
    public static IssueOrderRequest Order(string decision, List<string> targets) => new()
    {
        Decision = decision,
        DecisionDate = "2026-01-02",
        LegalBasis = "Art. 1",
        Category = "court-order",
        Summary = "benchmark order",
        Effective = "2026-01-03T00:00:00Z",
        Targets = targets,
    };
}
