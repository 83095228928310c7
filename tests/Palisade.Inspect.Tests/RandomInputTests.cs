namespace Palisade.Inspect.Tests;

/// <summary>Random and mutated input to every reader and parser (what the fuzz targets do, briefly): the only exception
/// any of them may raise is the capture reader's <see cref="CaptureFormatException"/>.</summary>
public sealed class RandomInputTests
{
    [Fact]
    public void Parsers_RandomAndMutatedInput_NeverThrowAnythingElse()
    {
        var random = new Random(20261202);
        byte[][] seeds =
        [
            BuiltCaptures.Pcap([BuiltCaptures.Tcp(1, 0x02, []), BuiltCaptures.Tcp(2, 0x18, BuiltCaptures.ClientHelloRecord("seed.example"))]),
            File.ReadAllBytes(TestData.Path("captures", "quic-29.pcap")),
            File.ReadAllBytes(TestData.Path("captures", "http.pcapng")),
        ];
        for (int round = 0; round < 3000; round++)
        {
            byte[] seed = seeds[round % seeds.Length];
            byte[] input = round % 4 == 0 ? new byte[random.Next(0, 600)] : seed[..Math.Min(seed.Length, random.Next(0, 4096))];
            if (round % 4 == 0)
            {
                random.NextBytes(input);
            }
            else
            {
                for (int flips = random.Next(1, 8); flips > 0 && input.Length > 0; flips--)
                {
                    input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
                }
            }

            try
            {
                Captures.Read(new MemoryStream(input));
            }
            catch (CaptureFormatException)
            {
            }

            ReadOnlySpan<byte> span = input;
            PacketDecoder.Decode(PacketDecoder.LinkTypes[round % PacketDecoder.LinkTypes.Length], span, out _);
            TlsClientHello.TryRead(span, out _, out _);
            DnsQuestions.TryRead(span, []);
            HttpRequestHead.TryRead(span, out _, out _, out _);
            if (QuicInitial.ReadHeader(span, out uint version, out ReadOnlySpan<byte> id, out bool initial, out _) == DecodeStatus.Ok && initial)
            {
                using QuicInitial? keys = QuicInitial.ForClient(version, id);
                keys?.TryOpen(span, (_, _) => { });
            }
        }
    }
}
