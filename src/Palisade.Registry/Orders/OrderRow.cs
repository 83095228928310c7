namespace Palisade.Registry;

/// <summary>An order's row in the query tables.</summary>
internal sealed record OrderRow(
    string Authority, string Decision, string DecisionDate, string LegalBasis, string Category, string IssuingBody, string Summary,
    long EffectiveMs, long? ExpiresMs, long? RevokedMs);
