namespace Palisade.Probe;

/// <summary>One resource to measure: a URL, why it is measured, and what the policy says of it.</summary>
/// <param name="Input">The URL fetched (OONI's <c>input</c>).</param>
/// <param name="Kind">Ordered, derived or control.</param>
/// <param name="Orders">The references of the orders in force covering it (empty when none).</param>
/// <param name="PolicyEntry">The policy target that covers it, or for a derived resource the target it was derived from.</param>
/// <param name="Note">For a derived resource, how it relates to <paramref name="PolicyEntry"/> (the likely cause if it is
/// blocked).</param>
public sealed record ProbeResource(Uri Input, ResourceKind Kind, IReadOnlyList<string> Orders, string? PolicyEntry, string? Note = null);
