namespace Palisade.Registry;

/// <summary>The holder of a valid API key.</summary>
/// <param name="KeyId">The key's public identifier.</param>
/// <param name="Role">The key's role.</param>
/// <param name="Authority">The authority an authority key acts for.</param>
public sealed record Caller(string KeyId, Role Role, string? Authority);
