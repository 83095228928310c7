using System.CommandLine;
using System.Globalization;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Inspect;
using Palisade.Client;

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
        var registry = new Option<string?>("--registry") { Description = "Match the names against the registry's version in force (verified as every enforcement point verifies it)." };
        var key = new Option<string?>("--key") { Description = "With --registry: the registry's log key. Default: the key it publishes (trusted on first use)." };
        var bundle = new Option<string?>("--bundle") { Description = "Match against this bundle file instead (its signature FILE.sig beside it, checked with --vkey)." };
        var vkey = new Option<string?>("--vkey") { Description = "With --bundle: the registry's log key that signed it." };
        var format = new Option<string>("--format") { Description = "The match report: table, json or csv.", DefaultValueFactory = _ => "table" };
        var command = new Command("inspect", "Read the names a capture's traffic carries in the clear, offline, and what a registry's policy matches (docs/inspect.md). " +
            "No client address is printed.\n\n" +
            "Exit codes: 0 read; 1 usage; 2 the file is not a capture or is damaged (the message names the offset and what was expected); 3 the file or the registry cannot be read; " +
            "4 a key is invalid; 5 the policy does not verify.")
        {
            file, names, registry, key, bundle, vkey, format,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string path = parseResult.GetValue(file)!;
            string formatText = parseResult.GetValue(format)!;
            if (formatText is not ("table" or "json" or "csv"))
            {
                await stderr.WriteLineAsync($"palisade inspect: --format '{formatText}' is not table, json or csv").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            CompiledPolicy? policy = null;
            if (parseResult.GetValue(registry) is not null || parseResult.GetValue(bundle) is not null)
            {
                (int exit, policy) = await LoadPolicyAsync(parseResult.GetValue(registry), parseResult.GetValue(key), parseResult.GetValue(bundle), parseResult.GetValue(vkey), stderr, cancellationToken).ConfigureAwait(false);
                if (policy is null)
                {
                    return exit;
                }
            }

            // Names come out in frame order (each with the frame that completed its message), so --names streams them
            // through a buffered writer as they are found: memory stays bounded by the flow limits whatever the file's
            // size, and the console is written in large blocks rather than a system call per line.
            bool listNames = parseResult.GetValue(names);
            TextWriter output = ReferenceEquals(stdout, Console.Out)
                ? new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false }
                : stdout;
            var counts = new SortedDictionary<NameKind, (long Names, HashSet<string> Distinct)>();
            InspectReport? reportHolder = null;
            try
            {
                using FileStream stream = File.OpenRead(path);
                var reader = CaptureReader.Open(new BufferedStream(stream, 1 << 16));
                InspectReport? report = policy is null ? null : new InspectReport(policy, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                reportHolder = report;
                using var extractor = new NameExtractor(name =>
                {
                    if (listNames)
                    {
                        output.Write(name.Frame.ToString(CultureInfo.InvariantCulture));
                        output.Write('\t');
                        output.Write(ExtractedName.KindName(name.Kind));
                        output.Write('\t');
                        output.Write(name.Name);
                        output.Write('\n');
                    }
                    else if (report is not null)
                    {
                        report.Add(name);
                    }
                    else
                    {
                        if (!counts.TryGetValue(name.Kind, out (long Names, HashSet<string> Distinct) count))
                        {
                            count = (0, new HashSet<string>(StringComparer.Ordinal));
                        }

                        count.Distinct.Add(name.Name);
                        counts[name.Kind] = (count.Names + 1, count.Distinct);
                    }
                });
                while (reader.TryRead(out CaptureFrame frame))
                {
                    extractor.Add(frame);
                }
            }
            catch (CaptureFormatException e)
            {
                output.Flush();
                stderr.WriteLine($"palisade inspect: {path} is not a readable capture: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.Flush();
                stderr.WriteLine($"palisade inspect: cannot read {path}: {e.Message}");
                return ExitCodes.Unavailable;
            }

            if (!listNames && reportHolder is { } matches)
            {
                WriteReport(output, formatText, matches);
            }
            else if (!listNames)
            {
                foreach ((NameKind kind, (long count, HashSet<string> distinct)) in counts)
                {
                    output.WriteLine($"{ExtractedName.KindName(kind),-10} {count,8} names, {distinct.Count,8} distinct");
                }
            }

            output.Flush();
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(int Exit, CompiledPolicy? Policy)> LoadPolicyAsync(string? registry, string? key, string? bundle, string? vkey, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (bundle is not null)
        {
            if (vkey is null)
            {
                await stderr.WriteLineAsync("palisade inspect: --bundle needs the registry's log key (--vkey)").ConfigureAwait(false);
                return (ExitCodes.Usage, null);
            }

            try
            {
                byte[] bytes = await File.ReadAllBytesAsync(bundle, cancellationToken).ConfigureAwait(false);
                string signature = await File.ReadAllTextAsync(bundle + ".sig", cancellationToken).ConfigureAwait(false);
                PolicyBundle parsed = PolicyBundle.Parse(bytes);
                BundleSignature.Verify(NoteVerifier.Parse(vkey), signature, "bundle", parsed.Version, bytes);
                return (ExitCodes.Success, CompiledPolicy.Build(parsed));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"palisade inspect: cannot read {bundle} and {bundle}.sig: {e.Message}").ConfigureAwait(false);
                return (ExitCodes.Unavailable, null);
            }
            catch (Exception e) when (e is FormatException or PolicyVerificationException)
            {
                await stderr.WriteLineAsync($"palisade inspect: {bundle} does not verify: {e.Message}").ConfigureAwait(false);
                return (ExitCodes.VerificationFailed, null);
            }
        }

        if (!Uri.TryCreate(registry, UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
        {
            await stderr.WriteLineAsync($"palisade inspect: --registry '{registry}' is not an absolute http(s) URL").ConfigureAwait(false);
            return (ExitCodes.Usage, null);
        }

        using var http = RegistryHttp.Create(RegistryHttp.TransferTimeout, followRedirects: false);
        (int exit, CompiledPolicy? policy, _) = await VerifiedVersion.FetchAsync("palisade inspect", http, baseUrl, key, stderr, cancellationToken).ConfigureAwait(false);
        return (exit, policy);
    }

    private static void WriteReport(TextWriter stdout, string format, InspectReport report)
    {
        if (format == "json")
        {
            using var buffer = new MemoryStream();
            using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteNumber("names", report.Names);
                json.WriteNumber("matched", report.Matched);
                foreach ((string member, IEnumerable<InspectReport.EntryMatches> entries) in new[] { ("matches", report.Entries), ("sniCollateral", report.SniCollateral) })
                {
                    json.WriteStartArray(member);
                    foreach (InspectReport.EntryMatches entry in entries)
                    {
                        json.WriteStartObject();
                        json.WriteString("order", entry.Order);
                        json.WriteString("target", entry.Target);
                        json.WriteString("kind", entry.Kind);
                        json.WriteNumber("frames", entry.Frames);
                        json.WriteNumber("flows", entry.Flows);
                        json.WriteString("first", InspectReport.EntryMatches.Time(entry.FirstTicks));
                        json.WriteString("last", InspectReport.EntryMatches.Time(entry.LastTicks));
                        json.WriteStartArray("names");
                        foreach (string name in entry.Names)
                        {
                            json.WriteStringValue(name);
                        }

                        json.WriteEndArray();
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }

        if (format == "csv")
        {
            stdout.Write("section,order,target,kind,frames,flows,first,last,names\n");
            foreach ((string section, IEnumerable<InspectReport.EntryMatches> entries) in new[] { ("match", report.Entries), ("sni-collateral", report.SniCollateral) })
            {
                foreach (InspectReport.EntryMatches e in entries)
                {
                    string[] fields = [section, e.Order, e.Target, e.Kind, e.Frames.ToString(CultureInfo.InvariantCulture), e.Flows.ToString(CultureInfo.InvariantCulture),
                        InspectReport.EntryMatches.Time(e.FirstTicks), InspectReport.EntryMatches.Time(e.LastTicks), string.Join(' ', e.Names)];
                    stdout.Write(string.Join(',', fields.Select(Palisade.Formats.PolicyExporter.Csv)) + "\n");
                }
            }

            return;
        }

        stdout.WriteLine($"{report.Names} names read, {report.Matched} matched by an order in force");
        stdout.WriteLine($"{"order",-28} {"target",-36} {"frames",7} {"flows",6}  names");
        foreach (InspectReport.EntryMatches e in report.Entries)
        {
            stdout.WriteLine($"{e.Order,-28} {e.Target,-36} {e.Frames,7} {e.Flows,6}  {string.Join(' ', e.Names.Take(5))}");
        }

        foreach (InspectReport.EntryMatches e in report.SniCollateral)
        {
            stdout.WriteLine($"SNI blocking of {e.Target} ({e.Order}) would also block: {string.Join(' ', e.Names.Take(5))} ({e.Frames} frames)");
        }
    }
}
