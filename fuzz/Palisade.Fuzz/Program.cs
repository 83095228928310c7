using System.Text;
using Palisade.Core;
using Palisade.Core.Url;
using SharpFuzz;

// Fuzz targets for every Core parser. Build, instrument Palisade.Core.dll with `sharpfuzz`, then run under
// libFuzzer (see fuzz/README.md):   Palisade.Fuzz <target>   with target one of the names below.
// Each target feeds the input, as UTF-8 text, to one parser; any exception other than the parser's own
// FormatException is a bug.
var targets = new Dictionary<string, Action<string>>(StringComparer.Ordinal)
{
    ["domain"] = s => DomainName.TryParse(s, out _),
    ["pattern"] = s => DomainPattern.TryParse(s, out _),
    ["url"] = s => WhatwgUrlParser.Parse(s, null, out _),
    ["urlkey"] = s => UrlKey.TryParse(s, out _),
    ["ip"] = s => IpPrefix.TryParse(s, out _),
    ["psl"] = s => PublicSuffixList.Parse(new StringReader(s)),
};

if (args.Length != 1 || !targets.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Palisade.Fuzz <{string.Join('|', targets.Keys)}>");
    return 2;
}

Fuzzer.LibFuzzer.Run(bytes =>
{
    string text = Encoding.UTF8.GetString(bytes);
    try
    {
        target(text);
    }
    catch (FormatException) when (args[0] == "psl")
    {
        // A rule that is not a domain name is reported as FormatException by design.
    }
});
return 0;
