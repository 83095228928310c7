using System.Globalization;
using System.Text;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// The body of a C2SP tlog-witness v1.0.0 <c>add-checkpoint</c> request: <c>old N</c>, up to 63 consistency proof
/// hashes (one base64 line each), an empty line, then the signed checkpoint. Every line ends in a newline.
/// </summary>
public sealed record AddCheckpointRequest(ulong OldSize, IReadOnlyList<byte[]> Proof, string Checkpoint)
{
    /// <summary>The most proof lines a client may send.</summary>
    public const int MaxProofLines = 63;

    /// <summary>The largest body a witness reads: the proof lines and a checkpoint with up to
    /// <see cref="SignedNote.MaxSignatures"/> signatures fit many times over.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Reads a request body.</summary>
    /// <exception cref="FormatException">The body is malformed; the message says where.</exception>
    public static AddCheckpointRequest Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            throw new FormatException($"the request body has {body.Length} bytes; an add-checkpoint request has at most {MaxBodyBytes}");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("the request body is not UTF-8");
        }

        int end = text.IndexOf('\n', StringComparison.Ordinal);
        if (end < 0)
        {
            throw new FormatException("the request body does not start with a line 'old N'");
        }

        string old = text[..end];
        if (!old.StartsWith("old ", StringComparison.Ordinal) || !TryParseSize(old.AsSpan(4), out ulong oldSize))
        {
            throw new FormatException($"the first line '{Shorten(old)}' is not 'old' and a size in decimal without leading zeroes");
        }

        var proof = new List<byte[]>();
        int start = end + 1;
        while (true)
        {
            end = text.IndexOf('\n', start);
            if (end < 0)
            {
                throw new FormatException("the request body ends before the empty line that separates the proof from the checkpoint");
            }

            if (end == start)
            {
                break;
            }

            string line = text[start..end];
            if (proof.Count == MaxProofLines)
            {
                throw new FormatException($"the consistency proof has more than {MaxProofLines} lines");
            }

            byte[] hash;
            try
            {
                hash = Convert.FromBase64String(line);
            }
            catch (FormatException)
            {
                throw new FormatException($"proof line {proof.Count + 1} '{Shorten(line)}' is not base64");
            }

            if (hash.Length != 32 || Convert.ToBase64String(hash) != line)
            {
                throw new FormatException($"proof line {proof.Count + 1} is not one SHA-256 hash in base64");
            }

            proof.Add(hash);
            start = end + 1;
        }

        string checkpoint = text[(end + 1)..];
        if (checkpoint.Length == 0)
        {
            throw new FormatException("the request body has no checkpoint after the empty line");
        }

        return new AddCheckpointRequest(oldSize, proof, checkpoint);
    }

    /// <summary>The request's body.</summary>
    public string Format()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"old {OldSize}\n"));
        foreach (byte[] hash in Proof)
        {
            text.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return text.Append('\n').Append(Checkpoint).ToString();
    }

    private static bool TryParseSize(ReadOnlySpan<char> digits, out ulong size)
    {
        size = 0;
        return digits.Length > 0 && (digits.Length == 1 || digits[0] != '0')
            && ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    private static string Shorten(string line) => line.Length <= 40 ? line : line[..40] + "…";
}
