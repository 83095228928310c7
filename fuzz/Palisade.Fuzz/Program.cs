using System.Text;
using Palisade.Core;
using Palisade.Log.Events;
using Palisade.Formats;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Core.Url;
using Palisade.Dns;
using SharpFuzz;
using Palisade.Dns.Wire;

// Fuzz targets for every Core parser. Build, instrument Palisade.Core.dll with `sharpfuzz`, then run under
// libFuzzer (see fuzz/README.md):   Palisade.Fuzz <target>   with target one of the names below.
// Each target feeds the input to one parser (as UTF-8 text, or as raw bytes for binary formats). Parsers whose
// contract is to throw FormatException on bad input may do so; any other exception is a bug.
var targets = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
{
    ["domain"] = b => DomainName.TryParse(Text(b), out _),
    ["pattern"] = b => DomainPattern.TryParse(Text(b), out _),
    ["url"] = b => WhatwgUrlParser.Parse(Text(b), null, out _),
    ["urlkey"] = b => UrlKey.TryParse(Text(b), out _),
    ["ip"] = b => IpPrefix.TryParse(Text(b), out _),
    ["target"] = b => OrderTarget.TryParse(Text(b), out _, out _),
    ["psl"] = b => Throwing(() => PublicSuffixList.Parse(new StringReader(Text(b)))),
    ["note"] = b => Throwing(() => SignedNote.Parse(Text(b))),
    ["checkpoint"] = b => Throwing(() => Checkpoint.Parse(Text(b))),
    ["add-checkpoint"] = b => Throwing(() => AddCheckpointRequest.Parse(b)),
    ["acknowledgement"] = b => Throwing(() => Palisade.Policy.Acknowledgement.Parse(Text(b))),
    ["cosignature-vkey"] = b => Throwing(() => CosignatureVerifier.Parse(Text(b))),
    ["tile-path"] = b => TlogTiles.TryParsePath(Text(b), out _, out _, out _),
    ["bundle"] = b => Throwing(() => TlogTiles.DecodeBundle(b)),
    ["log-entry"] = b => Throwing(() => LogEventCodec.ParseEntry(b, 0)),
    ["log-event"] = b => Throwing(() => LogEvents.Parse(LogEventCodec.ParseEntry(b, 0))),
    ["policy-bundle"] = b => Throwing(() => CompiledPolicy.Build(PolicyBundle.Parse(b))),
    ["policy-delta"] = b => Throwing(() => PolicyDelta.Parse(b)),
    ["dns-query"] = b => DnsQuery.TryParse(b, new char[255], out _),
    ["dns-response"] = b => DnsResponse(b),
    ["tsig"] = b => Tsig(b),
    ["probe-dns-answer"] = b => Throwing(() => Palisade.Probe.DnsResponseParser.Parse(b, ProbeQuery())),
    ["probe-http-head"] = b => Throwing(() => Palisade.Probe.HttpHead.Parse(b)),
    ["probe-link-header"] = b => Palisade.Probe.LinkHeader.BlockedBy(Text(b)),
    ["probe-test-list"] = b => Throwing(() => Palisade.Probe.TestListCsv.Parse(new StringReader(Text(b)))),
    ["inspect-capture"] = b => Throwing(() => InspectCapture(b)),
    ["inspect-packet"] = b => Palisade.Inspect.PacketDecoder.Decode(b.Length > 0 ? Palisade.Inspect.PacketDecoder.LinkTypes[b[0] % Palisade.Inspect.PacketDecoder.LinkTypes.Length] : 1, b.AsSpan(Math.Min(1, b.Length)), out _),
    ["inspect-client-hello"] = b => Palisade.Inspect.TlsClientHello.TryRead(b, out _, out _),
    ["inspect-dns-query"] = b => Palisade.Inspect.DnsQuestions.TryRead(b, []),
    ["inspect-http-head"] = b => Palisade.Inspect.HttpRequestHead.TryRead(b, out _, out _, out _),
    ["inspect-quic-initial"] = b => InspectQuic(b),
};
foreach (ImportFormat format in Enum.GetValues<ImportFormat>())
{
    targets["import-" + format.ToString().ToLowerInvariant()] = b => Throwing(() => ListImporter.Read(new MemoryStream(b), format));
}

if (args.Length != 1 || !targets.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Palisade.Fuzz <{string.Join('|', targets.Keys)}>");
    return 2;
}

Fuzzer.LibFuzzer.Run(bytes => target(bytes.ToArray()));
return 0;

static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

// A whole capture through the reader and the extractor (what palisade inspect does).
static void InspectCapture(byte[] bytes)
{
    var reader = Palisade.Inspect.CaptureReader.Open(new MemoryStream(bytes));
    using var extractor = new Palisade.Inspect.NameExtractor(_ => { });
    while (reader.TryRead(out Palisade.Inspect.CaptureFrame frame))
    {
        extractor.Add(frame);
    }
}

// A datagram's QUIC long header, then an attempt to open it as a client Initial with keys from its own connection id.
static void InspectQuic(byte[] bytes)
{
    if (Palisade.Inspect.QuicInitial.ReadHeader(bytes, out uint version, out ReadOnlySpan<byte> id, out bool initial, out int length) == Palisade.Inspect.DecodeStatus.Ok && initial)
    {
        using Palisade.Inspect.QuicInitial? keys = Palisade.Inspect.QuicInitial.ForClient(version, id);
        keys?.TryOpen(bytes.AsSpan(0, length), (_, _) => { });
    }
}

// The question a probe asked, which a resolver's answer must repeat (a fixed id, so that answers can match it).
static byte[] ProbeQuery()
{
    byte[] query = Palisade.Probe.DnsLookup.BuildQuery("blocked.example", 1);
    query[0] = 0x12;
    query[1] = 0x34;
    return query;
}

// An upstream's answer is untrusted too: the cache reads its TTLs and ages them in place.
static void DnsResponse(byte[] bytes)
{
    int questionEnd = DnsMessageWalker.QuestionEnd(bytes);
    if (questionEnd > 0)
    {
        DnsMessageWalker.CacheTtl(bytes, questionEnd);
        DnsMessageWalker.Age(bytes, questionEnd, 5);
        DnsMessageWalker.TryNormalise(bytes, questionEnd, 86_400);
    }
}

// A zone-transfer request's TSIG record, checked against a fixed key.
static void Tsig(byte[] bytes)
{
    int questionEnd = DnsMessageWalker.QuestionEnd(bytes);
    if (questionEnd > 0 && TsigKey.TryParse("fuzz.key:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", out TsigKey? key, out _))
    {
        key.Verify(bytes, questionEnd, 0, out _);
    }
}

static void Throwing(Action parse)
{
    try
    {
        parse();
    }
    catch (FormatException)
    {
        // The parser's documented answer to bad input.
    }
}
