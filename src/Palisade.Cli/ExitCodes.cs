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

    /// <summary>A service or the network is unavailable, or the verb cannot run in this build.</summary>
    public const int Unavailable = 3;

    /// <summary>The configuration or the stored data is invalid (the message names the setting or where the data
    /// diverges); nothing was changed.</summary>
    public const int ConfigurationError = 4;

    /// <summary>An audit found that the log does not verify (bad signature, rewritten history, tampered entries).</summary>
    public const int VerificationFailed = 5;

    /// <summary><c>palisade lookup</c>: the value is valid, and no order in force covers it.</summary>
    public const int NotCovered = 6;

    /// <summary>Every exit code and its meaning, as the table in docs/cli.md gives them (a test holds the two equal).</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Table { get; } =
    [
        (Success, "everything asked for was done"),
        (Usage, "usage error: unknown verb or option, missing argument"),
        (InvalidInput, "at least one input value is invalid; each bad value is named on stderr with the rule it breaks, the good ones are still printed"),
        (Unavailable, "a service or the network is unavailable, or the verb cannot run in this build"),
        (ConfigurationError, "the configuration or the stored data is invalid (the message names the setting, or where the log diverges); nothing was changed"),
        (VerificationFailed, "`verify`, `bundle rebuild`, `export`: the log or the registry's files do not verify (bad signature, tampered entries, tiles or bundles, rewritten history, a version that rebuilds to another hash, a checkpoint without the quorum of witness cosignatures)"),
        (NotCovered, "`lookup`: the value is valid and no order in force covers it (so that a script tells \"no\" from \"wrong\")"),
    ];

    /// <summary>
    /// The one mapping from the exceptions a command lets out to exit codes, so that no command decides by reading a
    /// message: a command's own failure carries its code; a refused value is 2; an unreachable service is 3; invalid
    /// configuration or stored data is 4; a log or policy that does not verify is 5. Null for an exception that is a
    /// fault of ours (it is not caught, and the runtime reports it).
    /// </summary>
    public static int? For(Exception exception) => exception switch
    {
        CommandFailedException failed => failed.ExitCode,
        Palisade.Policy.VersionNotInLogException or Palisade.Registry.RegistryProblem => InvalidInput,
        HttpRequestException or TimeoutException => Unavailable,
        Palisade.Log.LogVerificationException or Palisade.Policy.PolicyVerificationException => VerificationFailed,
        Palisade.Registry.RegistryConfigurationException or FormatException => ConfigurationError,
        _ => null,
    };
}
