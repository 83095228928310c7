using System.Security.Cryptography;
using System.Text;
using Palisade.Policy;
using Palisade.Log;

namespace Palisade.Registry;

/// <summary>
/// The bundle and delta files of registry versions under <c>bundles/</c> in the data directory, each with its detached
/// signature by the log key: written durably (fsync'd, then renamed into place), and derived data throughout — a
/// missing or damaged file is written again from the log.
/// </summary>
internal sealed class VersionFiles(string dataDirectory, NoteSigner signer)
{
    /// <summary>Where the files are kept.</summary>
    public string Directory { get; } = Path.GetFullPath(Path.Combine(dataDirectory, "bundles"));

    /// <summary>The path of a version's bundle (<paramref name="kind"/> "bundle") or delta ("delta") file.</summary>
    public string PathOf(ulong version, string kind) => Path.Combine(Directory, FormattableString.Invariant($"{version}.{kind}"));

    /// <summary>Whether both files of a version and their signatures are there.</summary>
    public bool Has(ulong version) => File.Exists(PathOf(version, "bundle") + ".sig") && File.Exists(PathOf(version, "delta") + ".sig");

    /// <summary>The signature file's text for a version's bundle or delta.</summary>
    public string Signature(byte[] bytes, ulong version, string kind) => BundleSignature.Sign(signer, kind, version, bytes);

    /// <summary>Writes a file and its signature durably; returns the file's SHA-256.</summary>
    public byte[] WriteSigned(byte[] bytes, ulong version, string kind)
    {
        System.IO.Directory.CreateDirectory(Directory);
        return WriteSignedAt(PathOf(version, kind), bytes, version, kind);
    }

    /// <summary>Writes a file and its signature durably at <paramref name="path"/> (and <c>.sig</c>); returns the
    /// file's SHA-256.</summary>
    public byte[] WriteSignedAt(string path, byte[] bytes, ulong version, string kind)
    {
        WriteDurably(path, bytes);
        WriteDurably(path + ".sig", Encoding.UTF8.GetBytes(BundleSignature.Sign(signer, kind, version, bytes)));
        return SHA256.HashData(bytes);
    }

    /// <summary>Writes a file again when it is missing or does not hash to <paramref name="hash"/>.</summary>
    public void RewriteIfDamaged(byte[] bytes, byte[] hash, ulong version, string kind)
    {
        string path = PathOf(version, kind);
        if (!File.Exists(path) || !SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(hash))
        {
            WriteSigned(bytes, version, kind);
        }
    }

    /// <summary>Writes a file durably: to a temporary name, flushed to disk, then renamed into place.</summary>
    public static void WriteDurably(string path, byte[] bytes)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
