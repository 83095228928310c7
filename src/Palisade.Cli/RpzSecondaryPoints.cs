using System.Net;
using Microsoft.Extensions.Logging;
using Palisade.Dns;
using Palisade.Registry;

namespace Palisade.Cli;

/// <summary>
/// <c>serve --rpz-secondary ADDRESS=POINT</c>: the RPZ secondary at ADDRESS (one of the <c>--notify</c> targets: an
/// operator's name server) is the enforcement point POINT. Each transfer of a newer serial it completes is logged as the
/// point's <c>point.transferred</c>, so the operator's page shows the version its secondary holds.
/// </summary>
internal static partial class RpzSecondaryPoints
{
    /// <summary>Parses the values; null (with <paramref name="error"/>) when one is malformed or names an address that is
    /// not a NOTIFY target.</summary>
    public static Dictionary<IPAddress, string>? Parse(IEnumerable<string> values, IEnumerable<IPEndPoint> notify, out string? error)
    {
        var points = new Dictionary<IPAddress, string>();
        HashSet<IPAddress> targets = [.. notify.Select(t => t.Address)];
        foreach (string value in values)
        {
            int equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == value.Length - 1 || !IPAddress.TryParse(value.AsSpan(0, equals), out IPAddress? address))
            {
                error = $"--rpz-secondary '{value}' is not ADDRESS=POINT";
                return null;
            }

            if (!targets.Contains(address))
            {
                error = $"--rpz-secondary '{value}': {address} is not a --notify target; only the secondaries this server notifies are recorded";
                return null;
            }

            points[address] = value[(equals + 1)..];
        }

        error = null;
        return points;
    }

    /// <summary>Logs each newer serial a mapped secondary transfers as its point's <c>point.transferred</c>.</summary>
    public static void Attach(RpzZone zone, RegistryService registry, IReadOnlyDictionary<IPAddress, string> points, ILogger logger)
    {
        if (points.Count == 0)
        {
            return;
        }

        zone.SecondaryTransferred += transfer =>
        {
            if (!points.TryGetValue(transfer.Secondary, out string? point))
            {
                return;
            }

            // Off the transfer's connection: the registry's writer may wait for a commit.
            _ = Task.Run(() =>
            {
                try
                {
                    if (registry.Operators.RecordTransfer(point, transfer.Serial, transfer.Kind) is { } recorded)
                    {
                        LogRecorded(logger, point, transfer.Secondary, transfer.Serial, recorded.LogIndex);
                    }
                }
                catch (Exception e) when (e is RegistryProblem or InvalidOperationException or ObjectDisposedException)
                {
                    LogNotRecorded(logger, point, transfer.Secondary, transfer.Serial, e.Message);
                }
            });
        };
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "RPZ secondary {Secondary} (point {Point}) transferred serial {Serial}: logged at index {Index}")]
    private static partial void LogRecorded(ILogger logger, string point, IPAddress secondary, uint serial, long index);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "RPZ secondary {Secondary} (point {Point}) transferred serial {Serial}, not recorded: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string point, IPAddress secondary, uint serial, string reason);
}
