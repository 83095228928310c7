using System.Text;
using Palisade.Core.Url;

namespace Palisade.Core.Tests.Conformance;

/// <summary>
/// The WHATWG URL and host conformance files, walked whole: every case runs, and a failure lists every mismatch
/// with its input, so one run shows the full picture (as transparency-dev/merkle's vector tests do).
/// </summary>
public sealed class UrlConformanceTests
{
    [Fact]
    public void Parse_UrlTestData_EveryCaseMatches()
    {
        var cases = Load("urltestdata.json");
        var failures = new List<string>();
        int run = 0;
        foreach (var test in cases)
        {
            run++;
            string input = (string)test["input"]!;
            string? baseText = test["base"] as string;
            WhatwgUrl? baseUrl = null;
            if (baseText is not null)
            {
                baseUrl = WhatwgUrlParser.Parse(baseText, null, out string baseError);
                if (baseUrl is null)
                {
                    failures.Add($"{Show(input)}: base {Show(baseText)} failed to parse: {baseError}");
                    continue;
                }
            }

            var url = WhatwgUrlParser.Parse(input, baseUrl, out string error);
            if (test.ContainsKey("failure"))
            {
                if (url is not null)
                {
                    failures.Add($"{Show(input)} (base {Show(baseText)}): expected failure, got {Show(url.Href)}");
                }

                continue;
            }

            if (url is null)
            {
                failures.Add($"{Show(input)} (base {Show(baseText)}): expected {Show((string)test["href"]!)}, got failure: {error}");
                continue;
            }

            Compare(failures, input, "href", test, url.Href);
            Compare(failures, input, "protocol", test, url.Protocol);
            Compare(failures, input, "username", test, url.Username);
            Compare(failures, input, "password", test, url.Password);
            Compare(failures, input, "host", test, url.HostAndPort);
            Compare(failures, input, "hostname", test, url.Host ?? string.Empty);
            Compare(failures, input, "port", test, url.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            Compare(failures, input, "pathname", test, url.Pathname);
            Compare(failures, input, "search", test, url.Search);
            Compare(failures, input, "hash", test, url.Hash);
            if (test.ContainsKey("origin"))
            {
                Compare(failures, input, "origin", test, url.Origin);
            }
        }

        Assert.True(run > 800, $"only {run} cases read from urltestdata.json");
        Assert.True(failures.Count == 0, $"{failures.Count} of {run} cases fail:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Parse_PercentEncodingData_Utf8QueryMatches()
    {
        // WPT percent-encoding.window.js parses "https://doesnotmatter.invalid/?" + input; a UTF-8 document gives "utf-8".
        var cases = Load("percent-encoding.json");
        var failures = new List<string>();
        foreach (var test in cases)
        {
            string input = (string)test["input"]!;
            string expected = (string)((Dictionary<string, object?>)test["output"]!)["utf-8"]!;
            var url = WhatwgUrlParser.Parse("https://doesnotmatter.invalid/?" + input, null, out string error);
            string actual = url is null ? "failure: " + error : url.Search;
            if (actual != "?" + expected)
            {
                failures.Add($"{Show(input)}: expected ?{expected}, got {actual}");
            }
        }

        Assert.NotEmpty(cases);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("IdnaTestV2.json")]
    [InlineData("toascii.json")]
    public void Parse_HostConformance_EveryCaseMatches(string file)
    {
        // As WPT IdnaTestV2.window.js and toascii.window.js do: the input is the host of "https://{input}/x".
        var cases = Load(file);
        var failures = new List<string>();
        foreach (var test in cases)
        {
            string input = (string)test["input"]!;
            string? expected = test["output"] as string;
            if (input.Length == 0)
            {
                // "https:///x" cannot carry an empty host (WPT skips this case for the same reason): check
                // UTS #46 ToASCII on it directly instead.
                var idna = Idna.Uts46.ToAscii(input, Idna.Uts46Options.UrlHost, out string? ascii);
                if ((idna == Idna.IdnaError.None ? ascii : null) != expected)
                {
                    failures.Add($"\"\": expected {Show(expected)}, got {Show(ascii)} ({idna})");
                }

                continue;
            }

            var url = WhatwgUrlParser.Parse("https://" + input + "/x", null, out string error);
            if (expected is null)
            {
                if (url is not null)
                {
                    failures.Add($"{Show(input)}: expected failure, got host {Show(url.Host)}");
                }
            }
            else if (url is null)
            {
                failures.Add($"{Show(input)}: expected {Show(expected)}, got failure: {error}");
            }
            else if (url.Host != expected || url.Pathname != "/x")
            {
                failures.Add($"{Show(input)}: expected {Show(expected)}, got host {Show(url.Host)} path {Show(url.Pathname)}");
            }
        }

        Assert.True(cases.Count > 50, $"only {cases.Count} cases read from {file}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases fail:\n" + string.Join("\n", failures));
    }

    internal static List<Dictionary<string, object?>> Load(string file)
    {
        var all = (List<object?>)LooseJson.Parse(File.ReadAllText(TestData.Path("conformance", file), Encoding.UTF8))!;
        var cases = new List<Dictionary<string, object?>>();
        foreach (var item in all)
        {
            if (item is Dictionary<string, object?> test)
            {
                cases.Add(test);
            }
        }

        return cases;
    }

    private static void Compare(List<string> failures, string input, string key, Dictionary<string, object?> test, string actual)
    {
        string expected = (string)test[key]!;
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            failures.Add($"{Show(input)}: {key} expected {Show(expected)}, got {Show(actual)}");
        }
    }

    internal static string Show(string? s)
    {
        if (s is null)
        {
            return "null";
        }

        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c < 0x20 || c > 0x7E)
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.Append('"').ToString();
    }
}
