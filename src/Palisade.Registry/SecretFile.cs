using System.Text;

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
}
