namespace Palisade.Policy;

/// <summary>A registry version as <see cref="VersionBuilder"/> builds it.</summary>
/// <param name="Bundle">The bundle.</param>
/// <param name="BundleBytes">Its bytes, as published.</param>
/// <param name="BundleSha256">Their SHA-256.</param>
/// <param name="DeltaBytes">The delta from the version before, as published.</param>
/// <param name="DeltaSha256">Its SHA-256.</param>
/// <param name="Change">The order book's change it was built from (accepted into the book once the version is).</param>
public sealed record BuiltVersion(PolicyBundle Bundle, byte[] BundleBytes, byte[] BundleSha256, byte[] DeltaBytes, byte[] DeltaSha256, PolicyChange Change);
