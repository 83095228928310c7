using System.Text;
using Palisade.Log;

namespace Palisade.Registry;

/// <summary>Key files: written whole (a temporary file, flushed to disk, then renamed) and readable by their owner
/// only, since they sign what the registry publishes.</summary>
internal static class SecretFile
{
    public static void Write(string path, string text)
    {
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path);
    }

    /// <summary>Creates a new Ed25519 signed-note key named <paramref name="keyName"/> in the file <paramref name="fileName"/>
    /// of <paramref name="dataDirectory"/> (mode 0600); refuses to replace an existing file.</summary>
    /// <exception cref="RegistryConfigurationException">The file exists.</exception>
    public static (string Path, NoteSigner Key) CreateSigningKey(string dataDirectory, string fileName, string keyName, string why)
    {
        Directory.CreateDirectory(dataDirectory);
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, fileName));
        if (File.Exists(path))
        {
            throw new RegistryConfigurationException($"{path} exists already; {why}");
        }

        NoteSigner key = NoteSigner.Generate(keyName);
        Write(path, key.ExportPrivateKey() + "\n");
        return (path, key);
    }
}
