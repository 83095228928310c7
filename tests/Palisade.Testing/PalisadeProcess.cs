using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Palisade.Testing;

/// <summary>A <c>palisade</c> command run as operators run it: a separate process, its output kept for the test.</summary>
public sealed class PalisadeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly Task _drained;

    private PalisadeProcess(Process process)
    {
        _process = process;
        _drained = Task.WhenAll(Drain(process.StandardOutput), Drain(process.StandardError));
    }

    /// <summary>Everything the process wrote so far, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process's resident memory now (VmRSS of /proc/PID/status), in bytes.</summary>
    public long ResidentBytes => ResidentBytesOf(_process.Id);

    /// <summary>The resident memory of process <paramref name="pid"/> (VmRSS), in bytes.</summary>
    public static long ResidentBytesOf(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS");
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(int seconds = 120)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await _process.WaitForExitAsync(wait.Token);
        await _drained;
        return _process.ExitCode;
    }

    public static PalisadeProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "palisade.dll"));
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new PalisadeProcess(Process.Start(info)!);
    }

    /// <summary>Waits until the output matches <paramref name="pattern"/>; fails the test (with the output) after
    /// <paramref name="seconds"/> or when the process exits first.</summary>
    public async Task WaitForOutputAsync(string pattern, int seconds = 60)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        for (int waited = 0; waited < seconds * 10; waited++)
        {
            if (regex.IsMatch(Output))
            {
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"palisade never wrote /{pattern}/ (exited: {_process.HasExited}); it wrote:\n{Output}");
    }

    /// <summary>Sends SIGTERM and returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(wait.Token);
        await _drained;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task Drain(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_gate)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
