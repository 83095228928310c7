using System.Security.Cryptography;
using System.Text;
using Palisade.Log;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// The registry as a witness of other logs (C2SP tlog-witness v1.0.0, cosignatures per tlog-cosignature v1.0.1): for
/// each log it is configured with (origin and verifier key, <c>palisade witness add-log</c>) it keeps the latest
/// checkpoint it cosigned, and cosigns a new checkpoint only when it is signed by the log's key and consistent with that
/// one. Check and update happen in one store transaction, so two requests cannot roll the stored size back.
/// </summary>
internal sealed class Witness(RegistryContext context, NoteSigner key)
{
    /// <summary>The witness key's file in the data directory.</summary>
    public const string KeyFileName = "witness.key";

    private readonly RegistryContext _context = context;
    private readonly Cosigner _cosigner = new(key);

    /// <summary>The witness's verifier key (type 0x04).</summary>
    public string VerifierKey => _cosigner.VerifierKey;

    /// <summary>The witness of a data directory; null when it has no witness key.</summary>
    /// <exception cref="RegistryConfigurationException">The key file is not a signed-note private key.</exception>
    public static Witness? Open(RegistryContext context)
    {
        NoteSigner? key = ReadKey(context.Options.DataDirectory);
        return key is null ? null : new Witness(context, key);
    }

    /// <summary>Reads the witness key of a data directory; null when there is none.</summary>
    /// <exception cref="RegistryConfigurationException">The file is not a signed-note private key.</exception>
    public static NoteSigner? ReadKey(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return NoteSigner.ParsePrivateKey(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new RegistryConfigurationException($"the witness key {path} is not a signed-note private key: {e.Message}", e);
        }
    }

    /// <summary>Creates the witness key of a data directory (readable by its owner only) unless it exists; returns it.</summary>
    public static NoteSigner CreateKey(string dataDirectory, string? name)
    {
        if (ReadKey(dataDirectory) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(dataDirectory);
        NoteSigner key;
        try
        {
            key = NoteSigner.Generate(name ?? "witness.palisade.local/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        }
        catch (ArgumentException e)
        {
            throw new RegistryConfigurationException($"'{name}' cannot name a witness: {e.Message}", e);
        }

        SecretFile.Write(Path.Combine(dataDirectory, KeyFileName), key.ExportPrivateKey() + "\n");
        return key;
    }

    /// <summary>
    /// Witnesses a log (or replaces its key) in the store of <paramref name="options"/>, directly: it works while
    /// <c>palisade serve</c> runs on the same data directory, which reads the list for every request.
    /// </summary>
    /// <exception cref="RegistryConfigurationException">The store cannot be used.</exception>
    public static void AddLog(RegistryOptions options, string origin, string verifierKey)
    {
        using RegistryStore store = RegistryStore.Open(options);
        try
        {
            store.Initialize();
            using RegistrySession session = store.BeginWrite();
            session.AddWitnessedLog(origin, verifierKey);
            session.Commit();
        }
        catch (System.Data.Common.DbException e)
        {
            throw new RegistryConfigurationException($"{store.Description} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>Answers one add-checkpoint request.</summary>
    /// <exception cref="RegistryProblem">The request is malformed (400), for a log not witnessed (404), not signed by
    /// the log's key (403), conflicts with the cosigned root at the same size (409), or its proof does not verify (422).</exception>
    public WitnessAnswer AddCheckpoint(ReadOnlySpan<byte> body)
    {
        AddCheckpointRequest request;
        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            request = AddCheckpointRequest.Parse(body);
            note = SignedNote.Parse(request.Checkpoint);
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException e)
        {
            throw new RegistryProblem(400, "bad-checkpoint-request", "Malformed add-checkpoint request", e.Message);
        }

        // The log's key is checked before the store's write lock is taken, so that unsigned requests from anyone
        // cost the registry's writers nothing.
        string verifierKey;
        using (RegistrySession read = _context.Store.OpenRead())
        {
            verifierKey = read.WitnessedLog(checkpoint.Origin)?.VerifierKey
                ?? throw new RegistryProblem(404, "unknown-log", "Log not witnessed", $"this witness does not witness the log '{checkpoint.Origin}'");
        }

        try
        {
            NoteVerifier.Parse(verifierKey).Verify(request.Checkpoint);
        }
        catch (Exception e) when (e is CryptographicNoteException or FormatException)
        {
            throw new RegistryProblem(403, "not-signed", "Checkpoint not signed by the log", $"the checkpoint carries no valid signature of the log's key: {e.Message}");
        }

        using RegistrySession session = _context.Store.BeginWrite();
        if (session.WitnessedLog(checkpoint.Origin) is not { } log || log.VerifierKey != verifierKey)
        {
            throw new RegistryProblem(409, "witness-changed", "The witnessed log changed", $"the log '{checkpoint.Origin}' was removed or given another key meanwhile; send the request again");
        }

        if (request.OldSize > checkpoint.Size)
        {
            throw new RegistryProblem(400, "bad-checkpoint-request", "Malformed add-checkpoint request", $"old size {request.OldSize} is larger than the checkpoint's size {checkpoint.Size}");
        }

        if (request.OldSize != (ulong)log.Size)
        {
            return new WitnessAnswer(409, "text/x.tlog.size", $"{log.Size}\n");
        }

        if (request.OldSize == checkpoint.Size && log.Root is { } stored && !stored.AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new RegistryProblem(409, "conflicting-root", "Another root for the cosigned size", $"the witness cosigned size {log.Size} with root {Convert.ToBase64String(stored)}, not {Convert.ToBase64String(checkpoint.RootHash)}: the log shows two histories");
        }

        if (request.OldSize == 0 ? request.Proof.Count != 0 : !Consistent(request, log.Root, checkpoint))
        {
            throw new RegistryProblem(422, "inconsistent-checkpoint", "Consistency proof does not verify", $"the consistency proof from size {request.OldSize} to {checkpoint.Size} does not verify");
        }

        session.SetWitnessedCheckpoint(checkpoint.Origin, (long)checkpoint.Size, checkpoint.RootHash, request.Checkpoint);
        session.Commit();

        // Persisted first: the cosignature is given only for what the witness will remember.
        ulong now = (ulong)Math.Max(1, _context.Time.GetUtcNow().ToUnixTimeSeconds());
        return new WitnessAnswer(200, "text/plain; charset=utf-8", SignedNote.Format("", [_cosigner.Cosign(note.Text, now)]).TrimStart('\n'));
    }

    private static bool Consistent(AddCheckpointRequest request, byte[]? oldRoot, Checkpoint checkpoint)
    {
        if (oldRoot is null)
        {
            return false;
        }

        if (request.OldSize == checkpoint.Size)
        {
            return request.Proof.Count == 0;
        }

        try
        {
            MerkleProofVerifier.VerifyConsistency(request.OldSize, checkpoint.Size, request.Proof, oldRoot, checkpoint.RootHash);
            return true;
        }
        catch (MerkleProofException)
        {
            return false;
        }
    }
}

/// <summary>A witness's answer that is not a problem: the cosignature lines (200) or the size it cosigned last (409,
/// <c>text/x.tlog.size</c>).</summary>
internal readonly record struct WitnessAnswer(int Status, string ContentType, string Body);
