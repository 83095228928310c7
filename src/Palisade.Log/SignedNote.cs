using System.Buffers.Binary;
using System.Text;
using Palisade.Core;

namespace Palisade.Log;

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, and one or more
/// signature lines. Parsing checks the structure only; <see cref="NoteVerifier"/> checks signatures.
/// </summary>
public sealed class SignedNote
{
    /// <summary>The most signature lines accepted, so a hostile note cannot make a verifier work without bound; the
    /// specification asks verifiers to accept at least 16.</summary>
    public const int MaxSignatures = 64;

    /// <summary>The largest note accepted, in bytes.</summary>
    public const int MaxLength = 1 << 20;

    private const string SignaturePrefix = "\u2014 ";

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures)
    {
        Text = text;
        Signatures = signatures;
    }

    /// <summary>The signed text, including its final newline.</summary>
    public string Text { get; }

    /// <summary>The signature lines in the order they appear.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Formats a note from its text and signatures.</summary>
    public static string Format(string text, IEnumerable<NoteSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signatures);
        var builder = new StringBuilder(text).Append('\n');
        foreach (NoteSignature signature in signatures)
        {
            var bytes = new byte[4 + signature.Signature.Length];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, signature.KeyId);
            signature.Signature.CopyTo(bytes, 4);
            builder.Append(SignaturePrefix).Append(signature.KeyName).Append(' ').Append(Convert.ToBase64String(bytes)).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Parses a signed note.</summary>
    /// <exception cref="FormatException">The note is malformed; the message says where.</exception>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        if (note.Length > MaxLength)
        {
            throw new FormatException($"the note is longer than {MaxLength} characters");
        }

        foreach (char c in note)
        {
            if (c < 0x20 && c != '\n')
            {
                throw new FormatException($"the note contains the control character U+{(int)c:X4}");
            }

            if (char.IsSurrogate(c) && !IsValidUtf16(note))
            {
                throw new FormatException("the note is not valid UTF-8");
            }
        }

        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("the note has no blank line before its signatures");
        }

        string text = note[..(split + 1)];
        string block = note[(split + 2)..];
        if (block.Length == 0 || block[^1] != '\n')
        {
            throw new FormatException("the note's signature block is missing or does not end in a newline");
        }

        var signatures = new List<NoteSignature>();
        foreach (string line in block[..^1].Split('\n'))
        {
            if (signatures.Count == MaxSignatures)
            {
                throw new FormatException($"the note has more than {MaxSignatures} signatures");
            }

            signatures.Add(ParseSignatureLine(line));
        }

        return new SignedNote(text, signatures);
    }

    private static NoteSignature ParseSignatureLine(string line)
    {
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            throw new FormatException($"the signature line '{line}' does not start with an em dash and a space");
        }

        string rest = line[SignaturePrefix.Length..];
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw new FormatException($"the signature line '{line}' has no key name followed by a space");
        }

        string name = rest[..space];
        if (!IsValidKeyName(name))
        {
            throw new FormatException($"the key name '{name}' is empty or contains a space or '+'");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(rest[(space + 1)..]);
        }
        catch (FormatException)
        {
            throw new FormatException($"the signature of key '{name}' is not base64");
        }

        if (bytes.Length < 5)
        {
            throw new FormatException($"the signature of key '{name}' is shorter than a key ID and one byte");
        }

        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }

    /// <summary>A key name is non-empty and holds no Unicode space and no '+'.</summary>
    public static bool IsValidKeyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c == '+' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }
}
