using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>An entry of the source that was not imported, and why.</summary>
/// <param name="Line">The 1-based line (or record number for XML) where it was found.</param>
/// <param name="Value">The value as written.</param>
/// <param name="Reason">Why it was refused (bad IDN, host bits set, malformed URL …) or left out.</param>
public sealed record ImportRejection(long Line, string Value, string Reason);

/// <summary>What an import read: the decisions with their accepted targets, and every entry refused.</summary>
public sealed class ImportResult
{
    /// <summary>Decisions in the order first seen.</summary>
    public List<ImportedOrder> Orders { get; } = [];

    /// <summary>Targets accepted (after removing duplicates within a decision).</summary>
    public long Accepted { get; internal set; }

    /// <summary>Entries refused as invalid, with the reason.</summary>
    public List<ImportRejection> Rejected { get; } = [];

    /// <summary>Values the source lists that are not targets of a block and were deliberately not imported (such as the
    /// addresses the Russian dump records beside a URL entry: importing them blocks everyone sharing the address).</summary>
    public List<ImportRejection> Skipped { get; } = [];
}
