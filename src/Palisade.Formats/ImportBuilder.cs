using Palisade.Core;
using Palisade.Log;
using Palisade.Policy;

namespace Palisade.Formats;

/// <summary>Collects targets into decisions while a source is read: canonicalises each value, refuses what does not
/// parse (naming the line and the rule), and keeps each target once per decision.</summary>
internal sealed class ImportBuilder
{
    private readonly Dictionary<string, (ImportedOrder Order, HashSet<string> Seen)> _orders = new(StringComparer.Ordinal);
    private readonly IProgress<long>? _progress;
    private long _values;

    public ImportBuilder(IProgress<long>? progress) => _progress = progress;

    public ImportResult Result { get; } = new();

    /// <summary>Adds a target written in any accepted spelling to the decision (null: the list's one decision).</summary>
    public void Add(long line, string value, string? decision = null, string? date = null, string? issuingBody = null)
    {
        if (++_values % 100_000 == 0)
        {
            _progress?.Report(_values);
        }

        if (!OrderTarget.TryParse(value, out OrderTarget target, out string? error))
        {
            Reject(line, value, error);
            return;
        }

        string key = decision ?? "";
        if (!_orders.TryGetValue(key, out var entry))
        {
            entry = (new ImportedOrder(decision, date, issuingBody, []), new HashSet<string>(StringComparer.Ordinal));
            _orders.Add(key, entry);
            Result.Orders.Add(entry.Order);
        }

        if (entry.Seen.Add(target.Value))
        {
            entry.Order.Targets.Add(target.Value);
            Result.Accepted++;
        }
    }

    public void Reject(long line, string value, string reason) => Result.Rejected.Add(new ImportRejection(line, value, reason));

    public void Skip(long line, string value, string reason) => Result.Skipped.Add(new ImportRejection(line, value, reason));
}
