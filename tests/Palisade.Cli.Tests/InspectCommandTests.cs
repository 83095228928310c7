namespace Palisade.Cli.Tests;

/// <summary><c>palisade inspect FILE --names</c> as acceptance checks run it.</summary>
public sealed class InspectCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = PalisadeCli.Run(args, TextReader.Null, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Names_PrintsFrameKindAndName_SortedByFrame()
    {
        (int exit, string output, string errors) = Run("inspect", TestData.Path("captures", "dns.pcap"), "--names");
        Assert.True(exit == 0, errors);
        Assert.Equal("2\tdns-qname\twww.example.com\n4\tdns-qname\te7.whatsapp.net\n", output);

        (exit, output, errors) = Run("inspect", TestData.Path("captures", "quic-29.pcap"), "--names");
        Assert.True(exit == 0, errors);
        Assert.StartsWith("1\tquic-sni\tlocalhost\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void NotACapture_ExitsTwo_NamingTheOffset()
    {
        string path = Path.Combine(Path.GetTempPath(), "palisade-not-a-capture-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "this is text, not a capture\n");
        try
        {
            (int exit, _, string errors) = Run("inspect", path, "--names");
            Assert.Equal(2, exit);
            Assert.Contains("at offset 0: expected a pcap", errors, StringComparison.Ordinal);
            (exit, _, errors) = Run("inspect", path + ".missing", "--names");
            Assert.Equal(3, exit);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
