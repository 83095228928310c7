using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Palisade.Log.Measurements;

namespace Palisade.Probe;

/// <summary>
/// Writes measurements as OONI does (df-000 base data format, the web_connectivity test keys of ts-017 with OONI's
/// field names and failure strings), one JSON object per line, with Palisade's own keys prefixed <c>x_palisade_</c>.
/// The probe's address is never written (<c>probe_ip</c> is 127.0.0.1, as OONI writes it).
/// </summary>
public sealed class OoniWriter(ProbeRun run)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Writes one measurement as one line.</summary>
    public void Write(Stream stream, Measurement m)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(m);
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("annotations");
            json.WriteString("engine_name", "palisade");
            json.WriteString("platform", "linux");
            json.WriteString("x_palisade_registry", run.Registry.AbsoluteUri);
            json.WriteEndObject();
            json.WriteString("data_format_version", "0.2.0");
            json.WriteString("input", m.Resource.Input.AbsoluteUri);
            json.WriteString("measurement_start_time", Time(m.Start));
            json.WriteString("probe_asn", run.Asn);
            json.WriteString("probe_cc", run.CountryCode);
            json.WriteString("probe_ip", "127.0.0.1");
            json.WriteString("probe_network_name", run.NetworkName);
            json.WriteString("report_id", run.ReportId);
            json.WriteString("resolver_asn", run.Asn);
            json.WriteString("resolver_ip", run.Resolver.Address.ToString());
            json.WriteString("resolver_network_name", run.NetworkName);
            json.WriteString("software_name", "palisade-probe");
            json.WriteString("software_version", run.SoftwareVersion);
            json.WritePropertyName("test_keys");
            WriteTestKeys(json, m);
            json.WriteString("test_name", "web_connectivity");
            json.WriteNumber("test_runtime", Math.Round(m.Runtime, 6));
            json.WriteString("test_start_time", Time(run.Start));
            json.WriteString("test_version", run.SoftwareVersion);
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    private void WriteTestKeys(Utf8JsonWriter json, Measurement m)
    {
        json.WriteStartObject();
        json.WriteString("agent", "redirect");
        json.WriteString("client_resolver", run.Resolver.Address.ToString());
        json.WriteStartArray("queries");
        foreach (DnsResult query in m.Queries)
        {
            WriteQuery(json, query, run.Resolver);
        }

        json.WriteEndArray();
        json.WriteStartArray("tcp_connect");
        foreach (WebResult fetch in m.Fetches)
        {
            json.WriteStartObject();
            json.WriteString("ip", fetch.EndPoint.Address.ToString());
            json.WriteNumber("port", fetch.EndPoint.Port);
            json.WriteStartObject("status");
            Nullable(json, "failure", fetch.ConnectFailure);
            json.WriteBoolean("success", fetch.ConnectFailure is null);
            json.WriteEndObject();
            json.WriteNumber("t", Math.Round(fetch.ConnectSeconds, 6));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("tls_handshakes");
        foreach (WebResult fetch in m.Fetches.Where(f => f.ServerName is not null && f.ConnectFailure is null))
        {
            json.WriteStartObject();
            json.WriteString("network", "tcp");
            json.WriteString("address", fetch.EndPoint.ToString());
            Nullable(json, "failure", fetch.TlsFailure);
            Nullable(json, "negotiated_protocol", fetch.TlsFailure is null ? "http/1.1" : null);
            json.WriteBoolean("no_tls_verify", false);
            json.WriteNull("peer_certificates");
            json.WriteString("server_name", fetch.ServerName);
            Nullable(json, "tls_version", fetch.TlsVersion);
            json.WriteNumber("t", Math.Round(fetch.ConnectSeconds, 6));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("requests");
        foreach (WebResult fetch in m.Fetches.Where(f => f.ConnectFailure is null && f.TlsFailure is null))
        {
            WriteRequest(json, m.Resource.Input, fetch);
        }

        json.WriteEndArray();
        WriteControl(json, m);
        DnsResult? a = m.Queries.Count > 0 ? m.Queries[0] : null;
        Nullable(json, "dns_experiment_failure", m.Fetches.Count == 0 ? m.Queries.Select(q => q.OoniFailure).FirstOrDefault(f => f is not null) : a?.Failure);
        if (m.Queries.Count == 0 || m.ControlFetch is null)
        {
            json.WriteNull("dns_consistency");
        }
        else
        {
            bool consistent = m.Fetches.Select(f => f.EndPoint.Address).Intersect(m.ControlQueries.SelectMany(q => q.Answer?.Addresses ?? [])).Any();
            json.WriteString("dns_consistency", consistent ? "consistent" : "inconsistent");
        }

        Nullable(json, "control_failure", m.ControlFetch is null ? m.ControlQueries.Select(q => q.OoniFailure).FirstOrDefault(f => f is not null) ?? "dns_no_answer" : m.ControlFetch.Failure);
        Nullable(json, "http_experiment_failure", m.Fetches.Count == 0 ? m.Queries.Select(q => q.OoniFailure).FirstOrDefault(f => f is not null) : m.Fetches[^1].Failure);
        switch (m.Blocking)
        {
            case null:
                json.WriteNull("blocking");
                break;
            case "false":
                json.WriteBoolean("blocking", false);
                break;
            default:
                json.WriteString("blocking", m.Blocking);
                break;
        }

        if (m.Accessible is { } accessible)
        {
            json.WriteBoolean("accessible", accessible);
        }
        else
        {
            json.WriteNull("accessible");
        }

        json.WriteString("x_palisade_verdict", Verdicts.Name(m.Verdict));
        json.WriteString("x_palisade_resource", m.Resource.Kind switch { ResourceKind.Ordered => "ordered", ResourceKind.Derived => "derived", _ => "control" });
        if (m.Resource.Orders.Count > 0)
        {
            json.WriteString("x_palisade_order", m.Resource.Orders[0]);
        }

        json.WriteStartArray("x_palisade_orders");
        foreach (string order in m.Resource.Orders)
        {
            json.WriteStringValue(order);
        }

        json.WriteEndArray();
        json.WriteNumber("x_palisade_registry_version", run.Version);
        Nullable(json, "x_palisade_policy_entry", m.Resource.PolicyEntry);
        Nullable(json, "x_palisade_attribution", m.Attribution);
        Nullable(json, "x_palisade_cause", m.Cause);
        json.WriteBoolean("x_palisade_block_page", m.BlockPage);
        json.WriteEndObject();
    }

    private static void WriteQuery(Utf8JsonWriter json, DnsResult query, IPEndPoint resolver)
    {
        json.WriteStartObject();
        json.WriteStartArray("answers");
        if (query.Answer is { } answer)
        {
            for (int i = 0; i < answer.Addresses.Count; i++)
            {
                IPAddress address = answer.Addresses[i];
                json.WriteStartObject();
                bool v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
                json.WriteString("answer_type", v6 ? "AAAA" : "A");
                json.WriteString(v6 ? "ipv6" : "ipv4", address.ToString());
                json.WriteNumber("ttl", answer.Ttls[i]);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteString("engine", "udp");
        Nullable(json, "failure", query.OoniFailure);
        json.WriteString("hostname", query.Name);
        json.WriteString("query_type", query.Type == 28 ? "AAAA" : "A");
        json.WriteString("resolver_address", resolver.ToString());
        json.WriteNull("resolver_hostname");
        json.WriteNull("resolver_port");
        json.WriteNumber("t", Math.Round(query.Elapsed.TotalSeconds, 6));
        if (query.Answer is { } withErrors)
        {
            json.WriteNumber("x_palisade_rcode", withErrors.Rcode);
            json.WriteStartArray("x_palisade_ede");
            foreach ((ushort code, string text) in withErrors.Errors)
            {
                json.WriteStartObject();
                json.WriteNumber("info_code", code);
                json.WriteString("extra_text", text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter json, Uri input, WebResult fetch)
    {
        json.WriteStartObject();
        json.WriteString("network", "tcp");
        json.WriteString("address", fetch.EndPoint.ToString());
        Nullable(json, "failure", fetch.HttpFailure);
        json.WriteStartObject("request");
        json.WriteString("body", "");
        json.WriteBoolean("body_is_truncated", false);
        json.WriteStartArray("headers_list");
        foreach ((string name, string value) in new[] { ("Host", input.Authority), ("User-Agent", "palisade-probe"), ("Accept", "*/*") })
        {
            json.WriteStartArray();
            json.WriteStringValue(name);
            json.WriteStringValue(value);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteString("method", "GET");
        json.WriteString("url", input.AbsoluteUri);
        json.WriteEndObject();
        json.WriteStartObject("response");
        if (fetch.Head is { } head)
        {
            WriteBody(json, fetch.Body);
            json.WriteBoolean("body_is_truncated", fetch.BodyTruncated);
            json.WriteNumber("code", head.Status);
            json.WriteStartArray("headers_list");
            foreach ((string name, string value) in head.Fields)
            {
                json.WriteStartArray();
                json.WriteStringValue(name);
                json.WriteStringValue(value);
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteStartObject("headers");
            foreach (IGrouping<string, (string Name, string Value)> field in head.Fields.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
            {
                json.WriteString(field.First().Name, field.First().Value);
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("body");
            json.WriteBoolean("body_is_truncated", false);
            json.WriteNumber("code", 0);
            json.WriteStartArray("headers_list");
            json.WriteEndArray();
            json.WriteStartObject("headers");
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteNumber("t", Math.Round(fetch.HttpSeconds, 6));
        json.WriteEndObject();
    }

    private static void WriteControl(Utf8JsonWriter json, Measurement m)
    {
        json.WriteStartObject("control");
        json.WriteStartObject("dns");
        List<IPAddress> addresses = [.. m.ControlQueries.SelectMany(q => q.Answer?.Addresses ?? [])];
        Nullable(json, "failure", m.ControlQueries.Count > 0 && addresses.Count == 0 ? m.ControlQueries[0].OoniFailure : null);
        json.WriteStartArray("addrs");
        foreach (IPAddress address in addresses)
        {
            json.WriteStringValue(address.ToString());
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("tcp_connect");
        if (m.ControlFetch is { } control)
        {
            json.WriteStartObject(control.EndPoint.ToString());
            Nullable(json, "failure", control.ConnectFailure);
            json.WriteBoolean("status", control.ConnectFailure is null);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("http_request");
        json.WriteNumber("body_length", m.ControlFetch?.Body.Length ?? -1);
        Nullable(json, "failure", m.ControlFetch is null ? "dns_lookup_error" : m.ControlFetch.Failure);
        json.WriteNumber("status_code", m.ControlFetch?.Head?.Status ?? -1);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter json, byte[] body)
    {
        try
        {
            json.WriteString("body", StrictUtf8.GetString(body));
        }
        catch (DecoderFallbackException)
        {
            json.WriteStartObject("body");
            json.WriteString("format", "base64");
            json.WriteBase64String("data", body);
            json.WriteEndObject();
        }
    }

    private static void Nullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>OONI's time format: UTC <c>YYYY-MM-DD hh:mm:ss</c>.</summary>
    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
