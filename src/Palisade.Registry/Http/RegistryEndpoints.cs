using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Palisade.Log;
using Palisade.Registry.Api;

namespace Palisade.Registry;

/// <summary>The registry's HTTP API: the log under <c>/log/</c> (C2SP tlog-tiles), proofs, authorities, keys, orders and
/// lookup under <c>/v1/</c>. Errors are RFC 9457 problem documents.</summary>
internal static partial class RegistryEndpoints
{
    /// <summary>The largest request body accepted: room for an order of <see cref="OrderDesk.MaxTargetsPerRequest"/>
    /// long URLs.</summary>
    internal const long MaxRequestBodyBytes = 32 * 1024 * 1024;

    private const string Immutable = "public, max-age=31536000, immutable";

    public static void Map(WebApplication app, RegistryService registry)
    {
        ILogger errors = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Palisade.Registry.Http");
        app.Use(async (context, next) =>
        {
            Portal.Html.SetSecurityHeaders(context.Response);
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (RegistryProblem problem)
            {
                await WriteProblem(context, problem).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                string field = (e.Path ?? "$").TrimStart('$').TrimStart('.');
                await WriteProblem(context, RegistryProblem.Invalid(field.Length == 0 ? "body" : field,
                    $"the request body is not valid for this endpoint{(field.Length == 0 ? string.Empty : " at '" + field + "'")}: {FirstSentence(e.Message)}")).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await WriteProblem(context, new RegistryProblem(e.StatusCode, "content-too-large", "Request content too large",
                    $"{e.Message}; a request body holds at most {MaxRequestBodyBytes} bytes (send more targets by amending the order)")).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e)
            {
                await WriteProblem(context, new RegistryProblem(e.StatusCode, "bad-request", "Bad request", e.Message)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // A fault of ours: logged with the trace id that the problem document carries, so an operator can find
                // the one from the other; the detail stays generic (no stack traces or SQL to the client).
                string traceId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
                LogUnhandled(errors, e, context.Request.Method, context.Request.Path.Value ?? "/", traceId);
                if (context.Response.HasStarted)
                {
                    throw;
                }

                await WriteProblem(context, new RegistryProblem(500, "internal", "Internal error",
                    $"the registry failed to answer this request; the operator can find it in the log under trace id {traceId}"), traceId).ConfigureAwait(false);
            }
        });

        app.MapGet("/log/checkpoint", (HttpContext context) =>
        {
            registry.Writer.CatchUpIfBehind();
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Text(registry.CheckpointNote, "text/plain; charset=utf-8");
        });
        app.MapGet("/log/key", () => Results.Text(registry.Log.VerifierKey + "\n", "text/plain; charset=utf-8"));
        app.MapGet("/log/tile/{**path}", (string path, HttpContext context) => ServeTile(registry, path, context));

        app.MapGet("/v1/log/proof/inclusion", (HttpContext context) =>
        {
            ulong size = QueryNumber(context, "size", registry.Log.Size);
            ulong index = QueryNumber(context, "index", null);
            CheckSize(registry, size, "size");
            if (index >= size)
            {
                throw RegistryProblem.Invalid("index", $"entry {index} is not in the tree of size {size}");
            }

            return Json(new InclusionProofView((long)index, (long)size, B64(registry.Log.LeafHash(index)), B64(registry.Log.Root(size)),
                registry.Log.InclusionProof(index, size).ConvertAll(Convert.ToBase64String)), RegistryJsonContext.Default.InclusionProofView);
        });
        app.MapGet("/v1/log/proof/consistency", (HttpContext context) =>
        {
            ulong size2 = QueryNumber(context, "size2", registry.Log.Size);
            ulong size1 = QueryNumber(context, "size1", null);
            CheckSize(registry, size2, "size2");
            if (size1 == 0 || size1 > size2)
            {
                throw RegistryProblem.Invalid("size1", $"a consistency proof needs 0 < size1 <= size2, not {size1} and {size2}");
            }

            return Json(new ConsistencyProofView((long)size1, (long)size2, B64(registry.Log.Root(size1)), B64(registry.Log.Root(size2)),
                registry.Log.ConsistencyProof(size1, size2).ConvertAll(Convert.ToBase64String)), RegistryJsonContext.Default.ConsistencyProofView);
        });

        app.MapGet("/v1/authorities", () => Json(registry.Authorities.ListAuthorities(), RegistryJsonContext.Default.ListAuthorityView));
        app.MapPost("/v1/authorities", async (HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            AddAuthorityRequest request = await ReadBody(context, RegistryJsonContext.Default.AddAuthorityRequest).ConfigureAwait(false);
            return Json(registry.Authorities.AddAuthority(request), RegistryJsonContext.Default.AuthorityView, StatusCodes.Status201Created);
        });
        app.MapPost("/v1/keys", async (HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            CreateKeyRequest request = await ReadBody(context, RegistryJsonContext.Default.CreateKeyRequest).ConfigureAwait(false);
            return Json(registry.Authorities.CreateKey(request), RegistryJsonContext.Default.KeyCreated, StatusCodes.Status201Created);
        });
        app.MapPost("/v1/keys/{id}/rotate", (string id, HttpContext context) =>
            Json(registry.Authorities.RotateKey(Authenticate(registry, context), id), RegistryJsonContext.Default.KeyCreated));
        app.MapPost("/v1/keys/{id}/revoke", (string id, HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            registry.Authorities.RevokeKey(id);
            return Results.NoContent();
        });

        app.MapPost("/v1/orders", async (HttpContext context) =>
        {
            Caller caller = Authenticate(registry, context);
            IssueOrderRequest request = await ReadBody(context, RegistryJsonContext.Default.IssueOrderRequest).ConfigureAwait(false);
            if (DryRun(context))
            {
                return Json(registry.Orders.PreviewIssue(caller, request, registry.Queries), RegistryJsonContext.Default.OrderPreview);
            }

            OrderEventCreated created = registry.Orders.IssueOrder(caller, request);
            context.Response.Headers.Location = created.Url;
            return Json(created, RegistryJsonContext.Default.OrderEventCreated, StatusCodes.Status201Created);
        });
        app.MapGet("/v1/orders", (HttpContext context) =>
        {
            string? authority = context.Request.Query["authority"];
            int limit = (int)Math.Min(QueryNumber(context, "limit", 100), 1000);
            return Json(registry.Queries.ListOrders(authority, limit, context.Request.Query["after"]), RegistryJsonContext.Default.OrderList);
        });
        app.MapMethods("/v1/orders/{**rest}", ["GET", "POST"], async (HttpContext context) =>
        {
            (string authority, string decision, string? action) = ParseOrderPath(context);
            if (HttpMethods.IsGet(context.Request.Method))
            {
                if (action == "notice")
                {
                    NoticeView notice = registry.Queries.Notice(authority, decision) ?? throw RegistryProblem.NotFound($"there is no order {Fields.Reference(authority, decision)}");
                    bool html = context.Request.Query["format"] == "html"
                        || (context.Request.Query["format"].Count == 0 && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal));
                    return html ? Results.Text(notice.Html, "text/html; charset=utf-8") : Json(notice, RegistryJsonContext.Default.NoticeView);
                }

                if (action is not null)
                {
                    throw RegistryProblem.NotFound($"there is no resource '{action}' of an order");
                }

                int targetLimit = (int)Math.Min(QueryNumber(context, "targetLimit", 1000), RegistryQueries.MaxTargetPage);
                bool entryData = context.Request.Query["data"] is not { Count: > 0 } data || data == "true"
                    || (data == "false" ? false : throw RegistryProblem.Invalid("data", $"the query parameter 'data' is '{data}', not true or false"));
                OrderView view = registry.Queries.GetOrder(authority, decision, targetLimit, context.Request.Query["targetsAfter"], entryData) ?? throw RegistryProblem.NotFound($"there is no order {Fields.Reference(authority, decision)}");
                view = view with { Operators = registry.Operators.StatusOf(authority, decision), Measured = registry.Probes.Latest(Fields.Reference(authority, decision), null) };
                return Json(view, RegistryJsonContext.Default.OrderView);
            }

            Caller caller = Authenticate(registry, context);
            if (action == "amend" && DryRun(context))
            {
                AmendOrderRequest amendment = await ReadBody(context, RegistryJsonContext.Default.AmendOrderRequest).ConfigureAwait(false);
                return Json(registry.Orders.PreviewAmend(caller, authority, decision, amendment, registry.Queries), RegistryJsonContext.Default.OrderPreview);
            }

            OrderEventCreated result = action switch
            {
                "revoke" => registry.Orders.RevokeOrder(caller, authority, decision, await ReadBody(context, RegistryJsonContext.Default.RevokeOrderRequest, allowEmpty: true).ConfigureAwait(false)),
                "amend" => registry.Orders.AmendOrder(caller, authority, decision, await ReadBody(context, RegistryJsonContext.Default.AmendOrderRequest).ConfigureAwait(false)),
                _ => throw new RegistryProblem(405, "method-not-allowed", "Method not allowed", "POST an order's 'amend' or 'revoke' resource to change it"),
            };
            return Json(result, RegistryJsonContext.Default.OrderEventCreated);
        });

        app.MapGet("/v1/bundles/latest", (Delegate)((HttpContext context) => LatestAsync(registry, app, context, "/v1/bundles/")));
        app.MapGet("/v1/delisting/latest", (Delegate)((HttpContext context) => LatestAsync(registry, app, context, "/v1/delisting/")));
        app.MapGet("/v1/delisting/{name}", (string name, HttpContext context) => ServeDelistingAsync(registry, context, name, delta: false));
        app.MapGet("/v1/delisting/deltas/{name}", (string name, HttpContext context) => ServeDelistingAsync(registry, context, name, delta: true));
        app.MapGet("/v1/bundles/{name}", (string name, HttpContext context) => ServeVersionFileAsync(registry, context, name, "bundle"));
        app.MapGet("/v1/bundles/sha256/{sha256}", (string sha256) =>
        {
            // Content-addressed: a cache or CDN keyed by the hash the log published serves the same bytes for ever.
            if (sha256.Length != 64 || sha256.AsSpan().ContainsAnyExcept("0123456789abcdef"))
            {
                throw RegistryProblem.NotFound($"'{sha256}' is not a lowercase hex SHA-256");
            }

            RegistryVersion version = registry.Versions.VersionWithBundle(Convert.FromHexString(sha256))
                ?? throw RegistryProblem.NotFound($"no published bundle has SHA-256 {sha256}");
            return Results.Redirect(FormattableString.Invariant($"/v1/bundles/{version.Version}"));
        });
        app.MapGet("/v1/deltas/{name}", (string name, HttpContext context) => ServeVersionFileAsync(registry, context, name, "delta"));

        app.MapGet("/v1/lookup", (HttpContext context) =>
            Json(registry.Queries.Lookup(context.Request.Query["name"], context.Request.Query["url"], context.Request.Query["ip"]), RegistryJsonContext.Default.LookupResult));

        // Operators and their enforcement points (registered by an admin; public to read).
        app.MapGet("/v1/operators", () => Json(registry.Operators.List(), RegistryJsonContext.Default.ListOperatorView));
        app.MapGet("/v1/operators/{id}", (string id) => Json((registry.Operators.Get(id) ?? throw RegistryProblem.NotFound($"there is no operator '{id}'")) with { Measurements = registry.Probes.ForOperator(id) },
            RegistryJsonContext.Default.OperatorView));
        app.MapPost("/v1/operators", async (HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            AddOperatorRequest request = await ReadBody(context, RegistryJsonContext.Default.AddOperatorRequest).ConfigureAwait(false);
            return Json(registry.Operators.AddOperator(request), RegistryJsonContext.Default.OperatorView, StatusCodes.Status201Created);
        });
        app.MapPost("/v1/operators/{id}/points", async (string id, HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            AddPointRequest request = await ReadBody(context, RegistryJsonContext.Default.AddPointRequest).ConfigureAwait(false);
            return Json(registry.Operators.AddPoint(id, request), RegistryJsonContext.Default.PointView, StatusCodes.Status201Created);
        });

        // An enforcement point's signed acknowledgement of the version it enforces; the signature authenticates it.
        app.MapPost("/v1/acks", async (HttpContext context) =>
        {
            byte[] body = await ReadBytes(context, Palisade.Policy.Acknowledgement.MaxLength).ConfigureAwait(false);
            AckView ack = await registry.Operators.AcknowledgeAsync(Encoding.UTF8.GetString(body), context.RequestAborted).ConfigureAwait(false);
            return Json(ack, RegistryJsonContext.Default.AckView, StatusCodes.Status201Created);
        });

        // Search engines: which URLs the version in force delists, and by which orders.
        var delistingCheck = new DelistingCheckEndpoint(registry);
        app.Lifetime.ApplicationStopped.Register(delistingCheck.Dispose);
        app.MapPost("/v1/delisting/check", delistingCheck.HandleAsync);

        // Measurement probes and what they measured (docs/probe.md).
        app.MapGet("/v1/probes", () => Json(registry.Probes.List(), RegistryJsonContext.Default.ListProbeView));
        app.MapPost("/v1/probes", async (HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            ProbeView probe = registry.Probes.Register(await ReadBody(context, RegistryJsonContext.Default.AddProbeRequest).ConfigureAwait(false));
            return Results.Json(probe, RegistryJsonContext.Default.ProbeView, statusCode: StatusCodes.Status201Created);
        });
        app.MapPost("/v1/measurements", async (HttpContext context) =>
        {
            // Signed by the probe's key, which is the authority here: no API key needed (as for acknowledgements).
            if (context.Request.ContentLength > Probes.MaxSubmissionBytes)
            {
                throw new RegistryProblem(413, "too-large", "The submission is too large", $"a submission has at most {Probes.MaxSubmissionBytes} bytes");
            }

            // The turn is taken before the body is read: waiting submissions hold a connection, not their lines.
            using (await registry.Probes.SubmissionTurns.TakeAsync(context.RequestAborted).ConfigureAwait(false))
            {
                SubmitMeasurementsRequest request = await ReadBody(context, RegistryJsonContext.Default.SubmitMeasurementsRequest).ConfigureAwait(false);
                ReportView stored = registry.Probes.Submit(Fields.Required(request.Report, "report", MeasurementReportMaxLength), request.Measurements ?? throw RegistryProblem.Invalid("measurements", "'measurements' is required"));
                return Results.Json(stored, RegistryJsonContext.Default.ReportView, statusCode: StatusCodes.Status201Created);
            }
        });
        app.MapGet("/v1/measurements", (HttpContext context) =>
        {
            string? order = context.Request.Query["order"];
            string? network = context.Request.Query["network"];
            int limit = (int)Math.Min(QueryNumber(context, "limit", Probes.MaxQueryResults), Probes.MaxQueryResults);
            List<MeasurementView> found = registry.Probes.Latest(order, network, limit);
            bool csv = context.Request.Query["format"] == "csv" || (context.Request.Query["format"].Count == 0 && context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.Ordinal));
            return csv ? Results.Text(MeasurementCsv(found), "text/csv; charset=utf-8") : Json(found, RegistryJsonContext.Default.ListMeasurementView);
        });

        // Mirrors of foreign registries: read-only, verified, never enforced.
        app.MapGet("/v1/mirrors", () => Json(registry.Mirrors.Select(m => m.View(registry.CitedBy)).ToList(), RegistryJsonContext.Default.ListMirrorView));

        // The registry as a witness of other logs (C2SP tlog-witness v1.0.0); 404 when it has no witness key.
        app.MapGet("/witness/key", () => Results.Text(RequireWitness(registry).VerifierKey + "\n", "text/plain; charset=utf-8"));
        app.MapPost("/witness/add-checkpoint", async (HttpContext context) =>
        {
            Witness witness = RequireWitness(registry);
            byte[] body = await ReadBytes(context, AddCheckpointRequest.MaxBodyBytes).ConfigureAwait(false);
            WitnessAnswer answer = witness.AddCheckpoint(body);
            return Results.Text(answer.Body, answer.ContentType, Encoding.UTF8, answer.Status);
        });

        app.MapPost("/v1/witness/logs", async (HttpContext context) =>
        {
            Require(registry, context, Role.Admin);
            WitnessLogRequest request = await ReadBody(context, RegistryJsonContext.Default.WitnessLogRequest).ConfigureAwait(false);
            string origin = Fields.Required(request.Origin, "origin", 1000);
            if (origin.Contains('\n', StringComparison.Ordinal))
            {
                throw RegistryProblem.Invalid("origin", "the origin is one line (the first line of the log's checkpoints)");
            }

            NoteVerifier verifier;
            try
            {
                verifier = NoteVerifier.Parse(Fields.Required(request.Vkey, "vkey", 1000));
            }
            catch (FormatException e)
            {
                throw RegistryProblem.Invalid("vkey", $"'{request.Vkey}' is not a log's verifier key: {e.Message}");
            }

            registry.WitnessLog(origin, verifier.VerifierKey);
            return Json(new WitnessLogRequest { Origin = origin, Vkey = verifier.VerifierKey }, RegistryJsonContext.Default.WitnessLogRequest, StatusCodes.Status201Created);
        });

        app.MapGet("/openapi.json", () => Results.Stream(
            typeof(RegistryEndpoints).Assembly.GetManifestResourceStream("Palisade.Registry.openapi.json")!, "application/json"));

        Portal.PortalEndpoints.Map(app, registry);
        app.MapFallback((HttpContext context) => throw RegistryProblem.NotFound($"there is no resource at {context.Request.Path}"));
    }

    private static IResult ServeTile(RegistryService registry, string path, HttpContext context)
    {
        if (!TlogTiles.TryParsePath(path, out int level, out ulong index, out int width))
        {
            throw RegistryProblem.NotFound($"'tile/{path}' is not a tlog-tiles path");
        }

        byte[]? body;
        if (level < 0)
        {
            body = TransparencyLog.TileExists(registry.Log.Size, index, width)
                ? TlogTiles.EncodeBundle(registry.Queries.ReadEntries(index * TlogTiles.TileWidth, width))
                : null;
        }
        else
        {
            body = registry.Log.ReadTile(level, index, width);
        }

        if (body is null)
        {
            throw RegistryProblem.NotFound($"the log has no tile 'tile/{path}' at tree size {registry.Log.Size}");
        }

        context.Response.Headers.CacheControl = Immutable;
        return Results.Bytes(body, "application/octet-stream");
    }

    private static (string Authority, string Decision, string? Action) ParseOrderPath(HttpContext context)
    {
        // The raw target keeps %2F inside a decision number apart from the '/' that separates path segments.
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        const string Prefix = "/v1/orders/";
        if (!raw.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw RegistryProblem.NotFound("an order is addressed as /v1/orders/{authority}/{decision}");
        }

        string[] segments = raw[Prefix.Length..].Split('/');
        if (segments.Length is < 2 or > 3 || segments[0].Length == 0 || segments[1].Length == 0)
        {
            throw RegistryProblem.NotFound("an order is addressed as /v1/orders/{authority}/{decision}, with '/' inside the decision number written %2F");
        }

        string decision;
        try
        {
            decision = Uri.UnescapeDataString(segments[1]);
        }
        catch (UriFormatException)
        {
            throw RegistryProblem.NotFound($"'{segments[1]}' is not a percent-encoded decision number");
        }

        return (Uri.UnescapeDataString(segments[0]), decision, segments.Length == 3 ? segments[2] : null);
    }

    /// <summary>Serves <c>{n}</c> (the file) or <c>{n}.sig</c> (its signature) of a published version: immutable,
    /// with the SHA-256 of the file as its ETag.</summary>
    /// <summary>The latest version of a feed (bundles or the delisting feed), as a redirect to its file; with <c>?after=N&amp;wait=S</c>
    /// a long poll that answers 204 when no newer version is published within S seconds (at most 60).</summary>
    private static async Task<IResult> LatestAsync(RegistryService registry, WebApplication app, HttpContext context, string prefix)
    {
        // The latest version may have been published by another node a moment ago (the notification may still be on its way).
        registry.Writer.CatchUpIfBehind();
        RegistryVersion? latest = registry.Versions.LatestVersion;
        if (context.Request.Query.ContainsKey("after"))
        {
            ulong after = QueryNumber(context, "after", null);
            ulong wait = Math.Min(QueryNumber(context, "wait", 0), 60);
            // A long poll ends early when the server stops, so that shutdown does not wait for it.
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
            try
            {
                latest = await registry.Versions.WaitForVersionAsync(after, TimeSpan.FromSeconds(wait), ended.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                latest = registry.Versions.LatestVersion;
            }

            if (latest is null || latest.Version <= after)
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.NoContent();
            }
        }

        if (latest is null)
        {
            throw RegistryProblem.NotFound("no registry version has been published yet (there are no orders)");
        }

        context.Response.Headers.CacheControl = "no-cache";
        return Results.Redirect(FormattableString.Invariant($"{prefix}{latest.Version}"));
    }

    private const int MeasurementReportMaxLength = Palisade.Log.Measurements.MeasurementReport.MaxLength * 2;

    /// <summary>Measurements as CSV, one row each, quoted where needed (RFC 4180).</summary>
    internal static string MeasurementCsv(IEnumerable<MeasurementView> measurements)
    {
        var text = new StringBuilder("input,network,probe,order,verdict,blocking,policy_entry,cause,version,measured,report\r\n");
        foreach (MeasurementView m in measurements)
        {
            string[] fields = [m.Input, m.Network, m.Probe, m.Order ?? "", m.Verdict, m.Blocking ?? "", m.PolicyEntry ?? "", m.Cause ?? "", m.Version.ToString(CultureInfo.InvariantCulture), m.Measured, m.Report];
            text.AppendJoin(',', fields.Select(Palisade.Formats.PolicyExporter.Csv)).Append("\r\n");
        }

        return text.ToString();
    }

    private static async Task<IResult> ServeDelistingAsync(RegistryService registry, HttpContext context, string name, bool delta)
    {
        bool signature = name.EndsWith(".sig", StringComparison.Ordinal);
        string number = signature ? name[..^4] : name;
        if (PublishedVersion(registry, number) is not { } version)
        {
            throw RegistryProblem.NotFound($"there is no published delisting {(delta ? "delta" : "feed")} '{name}' (versions are 1…{registry.Versions.LatestVersion?.Version ?? 0})");
        }

        DelistingFeeds.FeedFile file = await (delta ? registry.Delisting.DeltaAsync(version, context.RequestAborted) : registry.Delisting.FileAsync(version, context.RequestAborted)).ConfigureAwait(false);
        context.Response.Headers.CacheControl = Immutable;
        return signature
            ? Results.Text(file.Signature, "text/plain; charset=utf-8")
            : Results.Bytes(file.Bytes, "text/plain; charset=utf-8", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + Convert.ToHexStringLower(file.Sha256) + "\""));
    }

    /// <summary>The version a file name's number names, when it is canonical and published; null otherwise. A number
    /// beyond this node's latest version first makes it follow the shared store: another node may have published that
    /// version a moment ago.</summary>
    private static ulong? PublishedVersion(RegistryService registry, string number)
    {
        if (!ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out ulong version) || version == 0
            || version.ToString(CultureInfo.InvariantCulture) != number)
        {
            return null;
        }

        if (version > (registry.Versions.LatestVersion?.Version ?? 0))
        {
            registry.Writer.CatchUpIfBehind();
        }

        return version <= (registry.Versions.LatestVersion?.Version ?? 0) ? version : null;
    }

    private static async Task<IResult> ServeVersionFileAsync(RegistryService registry, HttpContext context, string name, string kind)
    {
        bool signature = name.EndsWith(".sig", StringComparison.Ordinal);
        string number = signature ? name[..^4] : name;
        if (PublishedVersion(registry, number) is not { } version)
        {
            throw RegistryProblem.NotFound($"there is no published {kind} '{name}' (versions are 1…{registry.Versions.LatestVersion?.Version ?? 0})");
        }

        context.Response.Headers.CacheControl = Immutable;
        if (kind == "bundle" && registry.Versions.CurrentBundle is { } latest && latest.Version == version && registry.Versions.StoredFile(version, kind) is null)
        {
            // The latest bundle is served from memory; its file is written only at the retention points.
            return signature
                ? Results.Text(latest.Signature, "text/plain; charset=utf-8")
                : Results.Bytes(latest.Bytes, "text/plain; charset=utf-8",
                    entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + Convert.ToHexStringLower(latest.Sha256) + "\""));
        }

        // Not kept here (between retention points, published by another node, or lost): rebuilt from the log, in turns.
        string path = registry.Versions.StoredFile(version, kind)
            ?? (await registry.Versions.EnsureVersionFilesAsync(version, context.RequestAborted).ConfigureAwait(false) ? registry.Versions.StoredFile(version, kind) : null)
            ?? throw new InvalidOperationException($"version {version}'s {kind} was rebuilt but is not kept");
        if (signature)
        {
            return Results.File(path + ".sig", "text/plain; charset=utf-8");
        }

        RegistryVersion? stored = registry.Versions.GetVersion(version);
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue("\"" + Convert.ToHexStringLower(kind == "bundle" ? stored!.BundleSha256 : stored!.DeltaSha256) + "\"");
        return Results.File(path, "text/plain; charset=utf-8", entityTag: etag);
    }

    private static Caller Authenticate(RegistryService registry, HttpContext context)
    {
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is taken exactly as sent.
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            throw RegistryProblem.Unauthenticated("this request changes the registry and needs 'Authorization: Bearer <key>'");
        }

        Caller? caller = registry.Authorities.Authenticate(header["Bearer ".Length..].Trim());
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            throw RegistryProblem.Unauthenticated("the API key is unknown or revoked");
        }

        return caller;
    }

    private static void Require(RegistryService registry, HttpContext context, Role role)
    {
        Caller caller = Authenticate(registry, context);
        if (caller.Role != role)
        {
            throw RegistryProblem.Forbidden($"this needs a key of role {Fields.RoleName(role)}, not {Fields.RoleName(caller.Role)}");
        }
    }

    private static Witness RequireWitness(RegistryService registry) =>
        registry.Witness ?? throw RegistryProblem.NotFound("this registry is not a witness (it has no witness key; see 'palisade witness init')");

    /// <summary>A request body of at most <paramref name="limit"/> bytes.</summary>
    /// <summary>Reads a request body of at most <paramref name="limit"/> bytes, refusing a longer one (413) while it is
    /// read, or at once when its Content-Length says so.</summary>
    internal static async Task<byte[]> ReadBytes(HttpContext context, int limit, Func<RegistryProblem>? tooLarge = null)
    {
        tooLarge ??= () => new RegistryProblem(413, "content-too-large", "Request content too large", $"this request body holds at most {limit} bytes");
        if (context.Request.ContentLength > limit)
        {
            throw tooLarge();
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw tooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static async Task<T> ReadBody<T>(HttpContext context, JsonTypeInfo<T> type, bool allowEmpty = false)
        where T : new()
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return allowEmpty ? new T() : throw RegistryProblem.Invalid("body", "the request needs a JSON body");
        }

        buffer.Position = 0;
        return await JsonSerializer.DeserializeAsync(buffer, type, context.RequestAborted).ConfigureAwait(false)
            ?? throw RegistryProblem.Invalid("body", "the request body is JSON null");
    }

    /// <summary>Whether the request asks only for a preview (<c>?dryRun=true</c>); anything but true or false is refused.</summary>
    private static bool DryRun(HttpContext context) => context.Request.Query["dryRun"] is not { Count: > 0 } value ? false
        : value == "true" || (value == "false" ? false : throw RegistryProblem.Invalid("dryRun", $"the query parameter 'dryRun' is '{value}', not true or false"));

    private static ulong QueryNumber(HttpContext context, string name, ulong? fallback)
    {
        string? text = context.Request.Query[name];
        if (text is null)
        {
            return fallback ?? throw RegistryProblem.Invalid(name, $"the query parameter '{name}' is required");
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw RegistryProblem.Invalid(name, $"the query parameter '{name}' is '{text}', not a non-negative integer");
    }

    private static void CheckSize(RegistryService registry, ulong size, string field)
    {
        if (size > registry.Log.Size)
        {
            throw RegistryProblem.Invalid(field, $"the log has {registry.Log.Size} entries, fewer than {size}");
        }
    }

    private static IResult Json<T>(T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK) => Results.Json(value, type, statusCode: status);

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        message = end < 0 ? message : message[..end];

        // The serializer names .NET types ("could not be converted to System.Collections.Generic.List`1[System.String]"):
        // the caller is told what JSON was expected instead.
        const string Converted = "The JSON value could not be converted to ";
        return message.StartsWith(Converted, StringComparison.Ordinal) ? "expected " + JsonKind(message[Converted.Length..].TrimEnd('.')) : message;
    }

    /// <summary>The JSON a .NET type is read from, in words.</summary>
    private static string JsonKind(string type) => type switch
    {
        _ when type.StartsWith("System.Collections.Generic.List`1[", StringComparison.Ordinal) || type.EndsWith("[]", StringComparison.Ordinal)
            => "an array of " + Plural(JsonKind(type.StartsWith("System", StringComparison.Ordinal) && type.Contains('[', StringComparison.Ordinal) ? type[(type.IndexOf('[', StringComparison.Ordinal) + 1)..^1] : type[..^2])),
        "System.String" => "a string",
        "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
        "System.Int32" or "System.Int64" or "System.UInt64" or "System.Double" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "a number",
        _ => "an object",
    };

    private static string Plural(string kind) => kind switch
    {
        "a string" => "strings",
        "a number" => "numbers",
        "true or false" => "true or false values",
        "an object" => "objects",
        _ => kind,
    };

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "{Method} {Path} failed (trace id {TraceId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string traceId);

    private static async Task WriteProblem(HttpContext context, RegistryProblem problem, string? traceId = null)
    {
        if (context.Response.HasStarted)
        {
            throw problem;
        }

        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = "application/problem+json";
        if (problem.RetryAfterSeconds is int retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "/problems/" + problem.Type);
            writer.WriteString("title", problem.Title);
            writer.WriteNumber("status", problem.Status);
            writer.WriteString("detail", problem.Message);
            writer.WriteString("instance", context.Request.Path.Value);
            if (problem.Field is not null)
            {
                writer.WriteString("field", problem.Field);
            }

            if (traceId is not null)
            {
                writer.WriteString("traceId", traceId);
            }

            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
