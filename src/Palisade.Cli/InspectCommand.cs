using System.CommandLine;
using System.Globalization;
using Palisade.Inspect;

namespace Palisade.Cli;

/// <summary>
/// <c>palisade inspect FILE --names</c>: the names a capture's traffic carries in the clear (TLS and QUIC server names,
/// HTTP hosts, DNS query names), each with the frame that completed its message (docs/inspect.md). Reads the file only.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "A pcap or pcapng capture." };
        var names = new Option<bool>("--names") { Description = "Print every name read, one per line: FRAME<TAB>KIND<TAB>NAME (KIND: sni, sni-outer, quic-sni, http-host, dns-qname), sorted by frame." };
        var command = new Command("inspect", "Read the names a capture's traffic carries in the clear, offline (docs/inspect.md). No client address is printed.\n\n" +
            "Exit codes: 0 read; 1 usage; 2 the file is not a capture or is damaged (the message names the offset and what was expected); 3 the file cannot be read.")
        {
            file, names,
        };
        command.SetAction(parseResult =>
        {
            string path = parseResult.GetValue(file)!;
            var found = new List<ExtractedName>();
            try
            {
                using FileStream stream = File.OpenRead(path);
                var reader = CaptureReader.Open(new BufferedStream(stream, 1 << 16));
                using var extractor = new NameExtractor(found.Add);
                while (reader.TryRead(out CaptureFrame frame))
                {
                    extractor.Add(frame);
                }
            }
            catch (CaptureFormatException e)
            {
                stderr.WriteLine($"palisade inspect: {path} is not a readable capture: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"palisade inspect: cannot read {path}: {e.Message}");
                return ExitCodes.Unavailable;
            }

            if (parseResult.GetValue(names))
            {
                foreach (ExtractedName name in found.OrderBy(n => n.Frame))
                {
                    stdout.Write(string.Create(CultureInfo.InvariantCulture, $"{name.Frame}\t{ExtractedName.KindName(name.Kind)}\t{name.Name}\n"));
                }
            }
            else
            {
                foreach (IGrouping<NameKind, ExtractedName> kind in found.GroupBy(n => n.Kind).OrderBy(g => g.Key))
                {
                    stdout.WriteLine($"{ExtractedName.KindName(kind.Key),-10} {kind.Count(),8} names, {kind.Select(n => n.Name).Distinct(StringComparer.Ordinal).Count(),8} distinct");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
