namespace Palisade.Cli;

/// <summary>The exit codes of <c>palisade</c>, listed in <c>palisade --help</c> and docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Success = 0;

    /// <summary>The command line itself is wrong (unknown verb or option, missing argument).</summary>
    public const int Usage = 1;

    /// <summary>At least one input value is invalid; the others were still processed.</summary>
    public const int InvalidInput = 2;

    /// <summary>The verb exists but cannot run in this build or configuration.</summary>
    public const int Unavailable = 3;
}
