using System.Globalization;
using System.Text;
using Palisade.Log.Measurements;

namespace Palisade.Probe;

/// <summary>Counts of verdicts over a run, and the table printed at its end.</summary>
public sealed class ProbeSummary
{
    private readonly Dictionary<(ResourceKind, Verdict), int> _counts = [];
    private readonly List<(string Input, string? Cause)> _overBlocked = [];

    /// <summary>Resources measured.</summary>
    public int Measured { get; private set; }

    /// <summary>Counts one measurement.</summary>
    public void Add(Measurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        Measured++;
        (ResourceKind, Verdict) key = (measurement.Resource.Kind, measurement.Verdict);
        _counts[key] = _counts.GetValueOrDefault(key) + 1;
        if (measurement.Verdict == Verdict.OverBlocked && _overBlocked.Count < 50)
        {
            _overBlocked.Add((measurement.Resource.Input.AbsoluteUri, measurement.Cause));
        }
    }

    /// <summary>How many measurements had <paramref name="verdict"/>.</summary>
    public int Count(Verdict verdict) => _counts.Where(c => c.Key.Item2 == verdict).Sum(c => c.Value);

    /// <summary>The verdicts so far on one line.</summary>
    public string Line() => string.Join(", ", Enum.GetValues<Verdict>().Where(v => Count(v) > 0).Select(v => $"{Count(v)} {Verdicts.Name(v)}"));

    /// <summary>The table: verdicts by kind of resource, then the over-blocked resources with their likely causes.</summary>
    public string Table(ProbeRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Registry {run.Registry} version {run.Version}, resolver {run.Resolver}, {Measured} resources measured\n");
        text.Append(CultureInfo.InvariantCulture, $"{"verdict",-24}{"ordered",10}{"derived",10}{"control",10}\n");
        foreach (Verdict verdict in Enum.GetValues<Verdict>())
        {
            int[] row = [.. Enum.GetValues<ResourceKind>().Select(k => _counts.GetValueOrDefault((k, verdict)))];
            if (row.Sum() > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{Verdicts.Name(verdict),-24}{row[0],10}{row[1],10}{row[2],10}\n");
            }
        }

        foreach ((string input, string? cause) in _overBlocked)
        {
            text.Append(CultureInfo.InvariantCulture, $"over-blocked {input}: {cause}\n");
        }

        return text.ToString();
    }
}
