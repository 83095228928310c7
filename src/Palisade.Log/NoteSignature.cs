using Palisade.Core;

namespace Palisade.Log;

/// <summary>One signature line of a C2SP signed note: <c>— name base64(key ID || signature)</c>.</summary>
/// <param name="KeyName">The signer's key name.</param>
/// <param name="KeyId">The 32-bit key ID (big-endian in the encoding).</param>
/// <param name="Signature">The signature bytes after the key ID.</param>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature);
