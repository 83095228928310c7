using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>One decision found in an imported list, with its targets in canonical form.</summary>
/// <param name="Decision">The decision number as the source writes it; null when the list names none.</param>
/// <param name="DecisionDate">The decision date (yyyy-MM-dd); null when the list gives none.</param>
/// <param name="IssuingBody">The body that took the decision, as the source names it; null when absent.</param>
/// <param name="Targets">Canonical targets, each once, in the order first seen.</param>
public sealed record ImportedOrder(string? Decision, string? DecisionDate, string? IssuingBody, List<string> Targets);
