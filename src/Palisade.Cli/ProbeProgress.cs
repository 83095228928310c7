using Palisade.Probe;

namespace Palisade.Cli;

/// <summary>A one-line progress report on standard error, rewritten at most every 200 ms: resources measured of all,
/// and the verdicts so far.</summary>
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
        stderr.Write($"\rmeasured {summary.Measured}/{total}: {summary.Line()}   ");
    }

    public void Dispose()
    {
        if (_written)
        {
            stderr.WriteLine();
        }
    }
}
