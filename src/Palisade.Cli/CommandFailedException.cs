namespace Palisade.Cli;

/// <summary>A command stops with a message and an exit code of <see cref="ExitCodes"/>; <see cref="Run"/> prints it (or
/// any exception <see cref="ExitCodes.For"/> maps) as <c>palisade VERB: MESSAGE</c> and returns the code, so no command
/// picks its exit code by reading message text.</summary>
internal sealed class CommandFailedException(int exitCode, string message) : Exception(message)
{
    /// <summary>The exit code of docs/cli.md.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Runs a command's action, turning a <see cref="CommandFailedException"/> into its message and code.</summary>
    public static async Task<int> Run(string verb, TextWriter stderr, Func<Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (ExitCodes.For(e) is int code)
        {
            string prefix = code == ExitCodes.VerificationFailed ? "FAILED: " : "";
            await stderr.WriteLineAsync($"palisade {verb}: {prefix}{e.Message}").ConfigureAwait(false);
            return code;
        }
    }
}
