namespace Palisade.Inspect.Tests;

/// <summary>Reads a capture with <see cref="NameExtractor"/>.</summary>
internal static class Captures
{
    public static List<ExtractedName> Read(Stream stream)
    {
        var found = new List<ExtractedName>();
        var reader = CaptureReader.Open(stream);
        using var extractor = new NameExtractor(found.Add);
        while (reader.TryRead(out CaptureFrame frame))
        {
            extractor.Add(frame);
        }

        return found;
    }

    public static HashSet<(string Kind, string Name)> Pairs(IEnumerable<ExtractedName> names) =>
        [.. names.Select(n => (n.Kind == NameKind.SniOuter ? "sni" : ExtractedName.KindName(n.Kind), n.Name))];
}
