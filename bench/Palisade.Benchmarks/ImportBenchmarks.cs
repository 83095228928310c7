using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Palisade.Formats;

namespace Palisade.Benchmarks;

/// <summary>Importing one million entries: a plain domain list, and the Russian register's CSV mirror (cp1251, one
/// decision per ten lines, URLs, names, masks and addresses as the mirror mixes them).</summary>
[MemoryDiagnoser]
public class ImportBenchmarks
{
    private const int Lines = 1_000_000;
    private byte[] _domains = [];
    private byte[] _rknCsv = [];

    [GlobalSetup]
    public void Setup()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var domains = new StringBuilder();
        var rkn = new StringBuilder("Updated: 2026-11-23 05:00:00 +0000\n");
        for (int i = 0; i < Lines; i++)
        {
            domains.Append(CultureInfo.InvariantCulture, $"site{i}.example\n");
            string decision = string.Create(CultureInfo.InvariantCulture, $"27-31-{i / 10}/Ид{i / 10}");
            rkn.Append((i % 10) switch
            {
                < 5 => string.Create(CultureInfo.InvariantCulture, $"192.0.2.{i % 250};site{i}.example;http://site{i}.example/page/{i};суд;{decision};2018-04-13\n"),
                < 8 => string.Create(CultureInfo.InvariantCulture, $"192.0.2.{i % 250};site{i}.example;;Роскомнадзор;{decision};2018-04-13\n"),
                8 => string.Create(CultureInfo.InvariantCulture, $";*.mask{i}.example;;Генпрокуратура;{decision};2018-04-13\n"),
                _ => string.Create(CultureInfo.InvariantCulture, $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255};;;суд;{decision};2018-04-13\n"),
            });
        }

        _domains = Encoding.UTF8.GetBytes(domains.ToString());
        _rknCsv = Encoding.GetEncoding(1251).GetBytes(rkn.ToString());
    }

    [Benchmark]
    public long Domains_1M() => ListImporter.Read(new MemoryStream(_domains), ImportFormat.Domains).Accepted;

    [Benchmark]
    public long RknCsv_1M() => ListImporter.Read(new MemoryStream(_rknCsv), ImportFormat.RknCsv).Accepted;
}
