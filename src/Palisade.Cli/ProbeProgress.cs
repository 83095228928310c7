using Palisade.Probe;

namespace Palisade.Cli;

/// <summary>A progress bar on standard error, rewritten in place at most every 200 ms: resources measured of all, and
/// the verdicts so far.</summary>
internal sealed class ProbeProgress(TextWriter stderr, int total) : IDisposable
{
    private long _lastWrite = Environment.TickCount64 - 1000;
    private bool _written;

    public void Done(ProbeSummary summary)
    {
        long now = Environment.TickCount64;
        if (now - _lastWrite < 200 && summary.Measured < total)
        {
            return;
        }

        _lastWrite = now;
        _written = true;
        const int Width = 30;
        int filled = total == 0 ? Width : (int)((long)summary.Measured * Width / total);
        stderr.Write($"\r[{new string('#', filled)}{new string('-', Width - filled)}] {summary.Measured}/{total}: {summary.Line()}   ");
    }

    public void Dispose()
    {
        if (_written)
        {
            stderr.WriteLine();
        }
    }
}
