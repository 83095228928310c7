using System.CommandLine;
using Palisade.Log;

namespace Palisade.Cli;

/// <summary><c>--witness-vkey VKEY … --quorum N</c>: accept a checkpoint only with N valid cosignatures of these
/// witnesses (tlog-cosignature v1.0.1), so that a log cannot show this client a history the witnesses have not seen.</summary>
internal sealed class WitnessOptions
{
    public Option<string[]> VerifierKeys { get; } = new("--witness-vkey")
    {
        Description = "A witness's cosignature/v1 verifier key (name+keyid+base64(0x04 || key)); repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<int?> Quorum { get; } = new("--quorum")
    {
        Description = "How many of the --witness-vkey witnesses must have cosigned the checkpoint. Default: all of them.",
    };

    /// <summary>Binds the options; false (after saying why on <paramref name="stderr"/>) when they are invalid, which is a
    /// configuration error (exit 4).</summary>
    public bool TryBind(ParseResult parseResult, TextWriter stderr, string verb, out WitnessPolicy? policy)
    {
        try
        {
            policy = Bind(parseResult);
            return true;
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"palisade {verb}: {e.Message}");
            policy = null;
            return false;
        }
    }

    /// <summary>The policy the options give; null without <c>--witness-vkey</c>.</summary>
    /// <exception cref="FormatException">A key is not a cosignature/v1 verifier key, or the quorum cannot be met.</exception>
    public WitnessPolicy? Bind(ParseResult parseResult)
    {
        string[] keys = parseResult.GetValue(VerifierKeys) ?? [];
        int? quorum = parseResult.GetValue(Quorum);
        if (keys.Length == 0)
        {
            return quorum is null ? null : throw new FormatException("--quorum needs the witnesses' keys (--witness-vkey)");
        }

        var witnesses = new List<CosignatureVerifier>();
        foreach (string key in keys)
        {
            try
            {
                witnesses.Add(CosignatureVerifier.Parse(key));
            }
            catch (FormatException e)
            {
                throw new FormatException($"--witness-vkey {key}: {e.Message}", e);
            }
        }

        try
        {
            return new WitnessPolicy(witnesses, quorum ?? witnesses.Count);
        }
        catch (ArgumentException e)
        {
            // The policy's own words, without the parameter name ArgumentException appends.
            throw new FormatException(e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal), e);
        }
    }
}
