using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Palisade.Core;
using Palisade.Registry.Api;

namespace Palisade.Registry.Portal;

/// <summary>
/// The authority console at <c>/console</c>: an authority's clerk signs in with the authority's API key and issues,
/// amends and revokes its orders from forms. Every change is previewed first (the same preview as
/// <c>palisade order … --dry-run</c>) and only the previewed request is written, under the API's rules (the key's
/// authority, its own orders only, the safeguards).
/// <para>
/// The session is a row in the store (<c>console_sessions</c>, so every node of a registry knows it) and a cookie holding
/// the key's id, an expiry, a fingerprint of the key's secret and the session's id, with an HMAC under a secret derived
/// from the log key: HttpOnly, SameSite=Strict, Secure over https. Signing out deletes the row, and rotating or
/// revoking the key deletes its rows (and changes the fingerprint), so a saved cookie and form token open nothing after. The key itself is never stored or shown again. Every form
/// carries an anti-forgery token bound to the session (and, before sign-in, to a random cookie).
/// </para>
/// </summary>
internal static class AuthorityConsole
{
    /// <summary>How long a session lasts after sign-in.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>The most bytes a console form may post (the API's limit).</summary>
    public const long MaxFormBytes = RegistryEndpoints.MaxRequestBodyBytes;

    private const string SessionCookie = "palisade-console";
    private const string SignInCookie = "palisade-console-signin";

    public static void Map(WebApplication app, RegistryService registry)
    {
        var console = new ConsoleContext(registry);
        app.MapGet("/console", (HttpContext context) => console.Home(context));
        app.MapPost("/console/sign-in", (Delegate)((HttpContext context) => console.SignInAsync(context)));
        app.MapPost("/console/sign-out", (Delegate)((HttpContext context) => console.SignOutAsync(context)));
        app.MapGet("/console/issue", (HttpContext context) => console.IssueForm(context));
        app.MapPost("/console/issue", (Delegate)((HttpContext context) => console.IssueAsync(context)));
        app.MapGet("/console/amend", (HttpContext context) => console.AmendForm(context));
        app.MapPost("/console/amend", (Delegate)((HttpContext context) => console.AmendAsync(context)));
        app.MapGet("/console/revoke", (HttpContext context) => console.RevokeForm(context));
        app.MapPost("/console/revoke", (Delegate)((HttpContext context) => console.RevokeAsync(context)));
    }

    private sealed class ConsoleContext(RegistryService registry)
    {
        private readonly byte[] _secret = HMACSHA256.HashData(SHA256.HashData(Encoding.UTF8.GetBytes(registry.Log.Signer.ExportPrivateKey())),
            "palisade authority console session v1"u8);

        // --- sessions ---------------------------------------------------------------------------------------------

        private string Mac(string purpose, string value) =>
            Base64Url(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(purpose + "\n" + value)));

        /// <summary>Equal texts, compared in constant time (tokens and MACs).</summary>
        private static bool SameText(string a, string b) => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

        /// <summary>Whether the form asks to write exactly the request whose preview token is <paramref name="token"/>.</summary>
        private static bool ConfirmsPreview(IFormCollection form, string token) => form["action"] == "write" && SameText(token, form["previewed"].ToString());

        private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        /// <summary>The signed-in caller, or null (no cookie, a forged or expired one, or a key since rotated or revoked).</summary>
        private (Caller Caller, string Session)? Session(HttpContext context)
        {
            string? cookie = context.Request.Cookies[SessionCookie];
            int dot = cookie?.LastIndexOf('.') ?? -1;
            if (cookie is null || dot <= 0)
            {
                return null;
            }

            string payload = cookie[..dot];
            if (!SameText(Mac("session", payload), cookie[(dot + 1)..]))
            {
                return null;
            }

            string[] parts = payload.Split('|');
            if (parts.Length != 4 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long expires)
                || expires <= registry.Time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return null;
            }

            Caller? caller = registry.Authorities.SessionCaller(parts[3], parts[0], parts[2]);
            return caller is { Role: Role.Authority, Authority: not null } ? (caller, payload) : null;
        }

        private string Token(HttpContext context, string? session) =>
            session is not null ? Mac("form", session) : context.Request.Cookies[SignInCookie] ?? "";

        private bool ValidToken(HttpContext context, IFormCollection form, string? session)
        {
            string expected = Token(context, session);
            string given = form["token"].ToString();
            return expected.Length > 0 && SameText(expected, given);
        }

        private static CookieOptions CookieOptions(HttpContext context, TimeSpan? lifetime) => new()
        {
            Path = "/console", HttpOnly = true, Secure = context.Request.IsHttps, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict, MaxAge = lifetime, IsEssential = true,
        };

        private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
        {
            if (!context.Request.HasFormContentType)
            {
                return null;
            }

            if (context.Request.ContentLength > MaxFormBytes)
            {
                throw new RegistryProblem(413, "content-too-large", "Request content too large", $"a console form holds at most {MaxFormBytes} bytes");
            }

            return await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }

        // --- pages ------------------------------------------------------------------------------------------------

        private IResult Result(HttpContext context, Html html, string title, int status = 200)
        {
            context.Response.Headers.CacheControl = "no-store";
            return PortalEndpoints.HtmlResult(context, html, title, status: status);
        }

        private void TokenField(Html html, HttpContext context, string? session) =>
            html.Raw("<input type=\"hidden\" name=\"token\" value=\"").Text(Token(context, session)).Raw("\">");

        public IResult Home(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            PortalLanguage l = html.Language;
            if (Session(context) is not { } signedIn)
            {
                return SignInPage(context, html, null);
            }

            string authority = signedIn.Caller.Authority!;
            html.Raw("<p>").M("ConsoleSignedIn", "<strong>" + Html.Encode(authority) + "</strong>").Raw("</p>");
            SignOutForm(html, context, signedIn.Session);
            html.Raw("<p><a href=\"/console/issue\">").T("ConsoleIssue").Raw("</a></p><h2>").T("Orders").Raw("</h2><table><thead><tr><th scope=\"col\">").T("Order")
                .Raw("</th><th scope=\"col\">").T("Status").Raw("</th><th scope=\"col\">").T("Targets").Raw("</th><th scope=\"col\">").T("ConsoleActions").Raw("</th></tr></thead><tbody>");
            foreach (OrderSummary order in registry.Queries.ListOrders(authority, 1000, null).Orders)
            {
                string q = Uri.EscapeDataString(order.Reference);
                html.Raw("<tr><td><a href=\"").Text(PortalEndpoints.OrderPath(order.Authority, order.Decision)).Raw("\">").Text(order.Reference).Raw("</a></td><td>")
                    .T("Status." + order.Status).Raw("</td><td>").Text(l.Number(order.Targets)).Raw("</td><td>");
                if (order.Status != "revoked")
                {
                    html.Raw("<a href=\"/console/amend?order=").Text(q).Raw("\">").T("ConsoleAmend").Raw(" <span class=\"visually-hidden\">").Text(order.Reference).Raw("</span></a> · ")
                        .Raw("<a href=\"/console/revoke?order=").Text(q).Raw("\">").T("ConsoleRevoke").Raw(" <span class=\"visually-hidden\">").Text(order.Reference).Raw("</span></a>");
                }

                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table>");
            return Result(context, html, l.Format("ConsoleTitle", authority));
        }

        private IResult SignInPage(HttpContext context, Html html, string? error, int status = 200)
        {
            // A random value in a cookie and in the form (double submit): a page elsewhere cannot sign a visitor in.
            string token = Base64Url(RandomNumberGenerator.GetBytes(32));
            context.Response.Cookies.Append(SignInCookie, token, CookieOptions(context, TimeSpan.FromHours(1)));
            if (error is not null)
            {
                html.Raw("<p role=\"alert\">").Text(error).Raw("</p>");
            }

            html.Raw("<p>").T("ConsoleSignInHelp").Raw("</p><form method=\"post\" action=\"/console/sign-in\"><input type=\"hidden\" name=\"token\" value=\"").Text(token)
                .Raw("\"><p><label for=\"key\">").T("ConsoleKey").Raw("</label><br><input type=\"password\" id=\"key\" name=\"key\" autocomplete=\"off\" required size=\"60\"></p><p><button type=\"submit\">")
                .T("ConsoleSignIn").Raw("</button></p></form>");
            return Result(context, html, html.Language["ConsoleSignInTitle"], status);
        }

        private void SignOutForm(Html html, HttpContext context, string session)
        {
            html.Raw("<form method=\"post\" action=\"/console/sign-out\">");
            TokenField(html, context, session);
            html.Raw("<button type=\"submit\">").T("ConsoleSignOut").Raw("</button></form>");
        }

        public async Task<IResult> SignInAsync(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            PortalLanguage l = html.Language;
            IFormCollection? form = await ReadFormAsync(context).ConfigureAwait(false);
            if (form is null || !ValidToken(context, form, null))
            {
                return SignInPage(context, html, l["ConsoleForgery"], 400);
            }

            Caller? caller = registry.Authorities.Authenticate(form["key"].ToString().Trim());
            if (caller is null)
            {
                return SignInPage(context, html, l["ConsoleBadKey"], 401);
            }

            if (caller is not { Role: Role.Authority, Authority: not null })
            {
                return SignInPage(context, html, l["ConsoleNotAuthority"], 403);
            }

            DateTimeOffset expires = registry.Time.GetUtcNow() + SessionLifetime;
            string sessionId = registry.Authorities.OpenSession(caller.KeyId, expires);
            string payload = string.Join('|', caller.KeyId, expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                registry.Authorities.SessionFingerprint(caller.KeyId), sessionId);
            context.Response.Cookies.Append(SessionCookie, payload + "." + Mac("session", payload), CookieOptions(context, SessionLifetime));
            context.Response.Cookies.Delete(SignInCookie, CookieOptions(context, null));
            return Results.Redirect("/console", preserveMethod: false);
        }

        public async Task<IResult> SignOutAsync(HttpContext context)
        {
            IFormCollection? form = await ReadFormAsync(context).ConfigureAwait(false);
            if (form is null || Session(context) is not { } signedIn || !ValidToken(context, form, signedIn.Session))
            {
                return Results.Redirect("/console");
            }

            // The session's row goes: the cookie, and any copy of it with its form token, opens nothing any more.
            registry.Authorities.EndSession(signedIn.Session.Split('|')[3]);
            context.Response.Cookies.Delete(SessionCookie, CookieOptions(context, null));
            return Results.Redirect("/console");
        }

        // --- issue ------------------------------------------------------------------------------------------------

        private static readonly string[] IssueFields = ["decision", "decisionDate", "legalBasis", "category", "summary", "issuingBody", "effective", "expires", "targets", "overrides"];

        public IResult IssueForm(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            if (Session(context) is not { } signedIn)
            {
                return SignInPage(context, html, null);
            }

            var defaults = new Dictionary<string, string>
            {
                ["decisionDate"] = registry.Time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["effective"] = LogTime.Format(registry.Time.GetUtcNow()),
            };
            IssueFormMarkup(html, context, signedIn.Session, defaults, null);
            return Result(context, html, html.Language["ConsoleIssue"]);
        }

        private void IssueFormMarkup(Html html, HttpContext context, string session, IReadOnlyDictionary<string, string> values, string? previewed)
        {
            html.Raw("<form method=\"post\" action=\"/console/issue\">");
            TokenField(html, context, session);
            foreach (string field in IssueFields)
            {
                bool required = field is "decision" or "decisionDate" or "legalBasis" or "category" or "summary" or "effective" or "targets";
                Input(html, field, values.GetValueOrDefault(field, ""), field is "summary" or "targets" or "overrides", required);
            }

            Buttons(html, previewed);
            html.Raw("</form>");
        }

        private static void Input(Html html, string field, string value, bool multiline, bool required)
        {
            html.Raw("<p><label for=\"f-").Raw(field).Raw("\">").T("Field." + field).Raw("</label>");

            string? help = html.Language.TextOrNull("FieldHelp." + field);
            bool helped = help is not null;
            if (helped)
            {
                html.Raw(" <small id=\"h-").Raw(field).Raw("\">").Text(help).Raw("</small>");
            }

            html.Raw("<br>");
            string described = helped ? " aria-describedby=\"h-" + field + "\"" : "";
            if (multiline)
            {
                html.Raw("<textarea id=\"f-").Raw(field).Raw("\" name=\"").Raw(field).Raw("\" rows=\"6\" cols=\"70\"").Raw(described).Raw(required ? " required" : "").Raw(">").Text(value).Raw("</textarea></p>");
            }
            else
            {
                html.Raw("<input id=\"f-").Raw(field).Raw("\" name=\"").Raw(field).Raw("\" size=\"60\" value=\"").Text(value).Raw("\"").Raw(described).Raw(required ? " required" : "").Raw("></p>");
            }
        }

        private static void Buttons(Html html, string? previewed)
        {
            html.Raw("<p><button type=\"submit\" name=\"action\" value=\"preview\">").T("ConsolePreview").Raw("</button>");
            if (previewed is not null)
            {
                html.Raw(" <input type=\"hidden\" name=\"previewed\" value=\"").Text(previewed).Raw("\"><button type=\"submit\" name=\"action\" value=\"write\">").T("ConsoleConfirm").Raw("</button>");
            }

            html.Raw("</p>");
        }

        private static Dictionary<string, string> Values(IFormCollection form, IEnumerable<string> fields) =>
            fields.ToDictionary(f => f, f => form[f].ToString(), StringComparer.Ordinal);

        private static List<string> Lines(string text) => [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

        private static List<TargetOverride>? Overrides(string text)
        {
            List<TargetOverride> overrides = [.. Lines(text).Select(line =>
            {
                int equals = line.IndexOf('=', StringComparison.Ordinal);
                return equals <= 0
                    ? throw RegistryProblem.Invalid("overrides", $"'{line}' is not TARGET=JUSTIFICATION")
                    : new TargetOverride { Target = line[..equals].Trim(), Justification = line[(equals + 1)..].Trim() };
            })];
            return overrides.Count == 0 ? null : overrides;
        }

        private static string? Optional(string text) => text.Trim().Length == 0 ? null : text.Trim();

        /// <summary>The session and form of a write from the console, or the answer that refuses it: the sign-in page
        /// (401) without a session, 400 without a form or with a token that is not the session's.</summary>
        private async Task<((Caller Caller, string Session) SignedIn, IFormCollection Form, IResult? Refused)> WriteFormAsync(HttpContext context, Html html, string title)
        {
            IFormCollection? form = await ReadFormAsync(context).ConfigureAwait(false);
            if (Session(context) is not { } signedIn)
            {
                return (default, form!, SignInPage(context, html, null, 401));
            }

            return form is null || !ValidToken(context, form, signedIn.Session)
                ? (signedIn, form!, Forged(context, html, title))
                : (signedIn, form, null);
        }

        /// <summary>The 400 page of a write whose form did not come from this session's page.</summary>
        private IResult Forged(HttpContext context, Html html, string title) =>
            Result(context, html.Raw("<p role=\"alert\">").T("ConsoleForgery").Raw("</p>"), html.Language[title], 400);

        /// <summary>The token that ties a write to the preview of exactly the same request.</summary>
        private string PreviewToken(string session, string kind, object request) =>
            Mac("preview " + kind, session + "\n" + JsonSerializer.Serialize(request, request.GetType(), Api.RegistryJsonContext.Default));

        public async Task<IResult> IssueAsync(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            PortalLanguage l = html.Language;
            ((Caller Caller, string Session) signedIn, IFormCollection form, IResult? refused) = await WriteFormAsync(context, html, "ConsoleIssue").ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }

            Dictionary<string, string> values = Values(form, IssueFields);
            string? previewed = null;
            try
            {
                var request = new IssueOrderRequest
                {
                    Decision = values["decision"].Trim(), DecisionDate = values["decisionDate"].Trim(), LegalBasis = values["legalBasis"].Trim(), Category = values["category"].Trim(),
                    Summary = values["summary"].Trim(), IssuingBody = Optional(values["issuingBody"]), Effective = values["effective"].Trim(), Expires = Optional(values["expires"]),
                    Targets = Lines(values["targets"]), Overrides = Overrides(values["overrides"]),
                };
                string token = PreviewToken(signedIn.Session, "issue", request);
                if (ConfirmsPreview(form, token))
                {
                    registry.Orders.IssueOrder(signedIn.Caller, request);
                    return Results.Redirect(PortalEndpoints.OrderPath(signedIn.Caller.Authority!, request.Decision));
                }

                if (form["action"] == "write")
                {
                    html.Raw("<p role=\"alert\">").T("ConsoleChanged").Raw("</p>");
                }

                OrderPreview preview = registry.Orders.PreviewIssue(signedIn.Caller, request, registry.Queries);
                Preview(html, preview);
                previewed = preview.Accepted ? token : null;
            }
            catch (RegistryProblem problem)
            {
                Problem(html, problem);
            }

            IssueFormMarkup(html, context, signedIn.Session, values, previewed);
            return Result(context, html, l["ConsoleIssue"]);
        }

        private static void Problem(Html html, RegistryProblem problem) =>
            html.Raw("<p role=\"alert\"><strong>").T("ConsoleRefused").Raw("</strong> ").Text((problem.Field is null ? "" : problem.Field + ": ") + problem.Message).Raw("</p>");

        /// <summary>The preview, as <c>--dry-run</c> prints it: each target as written and recorded, its safeguard and
        /// the orders already covering it, and whether the request would be accepted.</summary>
        private static void Preview(Html html, OrderPreview preview)
        {
            PortalLanguage l = html.Language;
            html.Raw("<section aria-labelledby=\"preview\"><h2 id=\"preview\">").T("ConsolePreviewTitle").Raw("</h2><table><thead><tr>");
            foreach (string column in (string[])["PreviewField", "PreviewWritten", "PreviewRecorded", "PreviewSafeguard", "PreviewCovered"])
            {
                html.Raw("<th scope=\"col\">").T(column).Raw("</th>");
            }

            html.Raw("</tr></thead><tbody>");
            foreach (PreviewTarget t in preview.Targets.Concat(preview.Remove))
            {
                html.Raw("<tr><td>").Text(t.Field).Raw("</td><td><code>").Text(t.Written).Raw("</code></td><td>");
                PortalEndpoints.Target(html, t.Recorded).Raw("</td><td>");
                if (t.Protection is not null)
                {
                    html.Raw("<strong>").T(t.Overridden ? "PreviewOverridden" : "PreviewRefused").Raw("</strong> ").Text(t.Protection);
                }

                html.Raw("</td><td>");
                foreach (LookupMatch m in t.CoveredBy)
                {
                    var reference = OrderReference.Parse(m.Order);
                    html.Raw("<a href=\"").Text(reference.PagePath).Raw("\">").Text(m.Order).Raw("</a> (").Text(m.Target).Raw(") ");
                }

                html.Raw("</td></tr>");
            }

            html.Raw("</tbody></table><p role=\"status\">").T(preview.Accepted ? "ConsoleWouldAccept" : "ConsoleWouldRefuse").Raw("</p></section>");
        }

        // --- amend and revoke -------------------------------------------------------------------------------------

        private static readonly string[] AmendFields = ["add", "remove", "expires", "reason", "overrides"];

        private (string Authority, string Decision)? OrderOf(HttpContext context, IFormCollection? form)
        {
            string text = form?["order"].ToString() is { Length: > 0 } posted ? posted : context.Request.Query["order"].ToString();
            return OrderReference.TryParse(text, out OrderReference reference) ? (reference.Authority, reference.Decision) : null;
        }

        public IResult AmendForm(HttpContext context) => OrderForm(context, "ConsoleAmendTitle",
            (html, session, order) => AmendFormMarkup(html, context, session, order, new Dictionary<string, string>(), false, null));

        /// <summary>The empty form for one of the signed-in authority's orders (named by <c>?order=</c>).</summary>
        private IResult OrderForm(HttpContext context, string titleKey, Action<Html, string, (string Authority, string Decision)> markup)
        {
            Html html = PortalEndpoints.Page(context);
            if (Session(context) is not { } signedIn)
            {
                return SignInPage(context, html, null);
            }

            if (OrderOf(context, null) is not { } order)
            {
                return Result(context, html.Raw("<p role=\"alert\">").T("ConsoleNoOrder").Raw("</p>"), html.Language["NotFound"], 404);
            }

            markup(html, signedIn.Session, order);
            return Result(context, html, html.Language.Format(titleKey, Fields.Reference(order.Authority, order.Decision)));
        }

        private void AmendFormMarkup(Html html, HttpContext context, string session, (string Authority, string Decision) order, IReadOnlyDictionary<string, string> values, bool removeExpiry, string? previewed)
        {
            html.Raw("<form method=\"post\" action=\"/console/amend\"><input type=\"hidden\" name=\"order\" value=\"").Text(Fields.Reference(order.Authority, order.Decision)).Raw("\">");
            TokenField(html, context, session);
            foreach (string field in AmendFields)
            {
                Input(html, field, values.GetValueOrDefault(field, ""), field is "add" or "remove" or "reason" or "overrides", false);
            }

            html.Raw("<p><input type=\"checkbox\" id=\"f-removeExpiry\" name=\"removeExpiry\" value=\"true\"").Raw(removeExpiry ? " checked" : "").Raw("> <label for=\"f-removeExpiry\">")
                .T("Field.removeExpiry").Raw("</label></p>");
            Buttons(html, previewed);
            html.Raw("</form>");
        }

        public async Task<IResult> AmendAsync(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            ((Caller Caller, string Session) signedIn, IFormCollection form, IResult? refused) = await WriteFormAsync(context, html, "ConsoleAmend").ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }

            if (OrderOf(context, form) is not { } order)
            {
                return Forged(context, html, "ConsoleAmend");
            }

            Dictionary<string, string> values = Values(form, AmendFields);
            bool removeExpiry = form["removeExpiry"] == "true";
            string? previewed = null;
            try
            {
                var request = new AmendOrderRequest
                {
                    Add = Lines(values["add"]) is { Count: > 0 } add ? add : null, Remove = Lines(values["remove"]) is { Count: > 0 } remove ? remove : null,
                    Expires = Optional(values["expires"]), RemoveExpiry = removeExpiry ? true : null, Reason = Optional(values["reason"]), Overrides = Overrides(values["overrides"]),
                };
                string token = PreviewToken(signedIn.Session, "amend " + Fields.Reference(order.Authority, order.Decision), request);
                if (ConfirmsPreview(form, token))
                {
                    registry.Orders.AmendOrder(signedIn.Caller, order.Authority, order.Decision, request);
                    return Results.Redirect(PortalEndpoints.OrderPath(order.Authority, order.Decision));
                }

                if (form["action"] == "write")
                {
                    html.Raw("<p role=\"alert\">").T("ConsoleChanged").Raw("</p>");
                }

                OrderPreview preview = registry.Orders.PreviewAmend(signedIn.Caller, order.Authority, order.Decision, request, registry.Queries);
                Preview(html, preview);
                previewed = preview.Accepted ? token : null;
            }
            catch (RegistryProblem problem)
            {
                Problem(html, problem);
            }

            AmendFormMarkup(html, context, signedIn.Session, order, values, removeExpiry, previewed);
            return Result(context, html, html.Language.Format("ConsoleAmendTitle", Fields.Reference(order.Authority, order.Decision)));
        }

        public IResult RevokeForm(HttpContext context) => OrderForm(context, "ConsoleRevokeTitle",
            (html, session, order) => RevokeFormMarkup(html, context, session, order, "", null));

        private void RevokeFormMarkup(Html html, HttpContext context, string session, (string Authority, string Decision) order, string reason, string? previewed)
        {
            html.Raw("<form method=\"post\" action=\"/console/revoke\"><input type=\"hidden\" name=\"order\" value=\"").Text(Fields.Reference(order.Authority, order.Decision)).Raw("\">");
            TokenField(html, context, session);
            Input(html, "reason", reason, true, false);
            Buttons(html, previewed);
            html.Raw("</form>");
        }

        public async Task<IResult> RevokeAsync(HttpContext context)
        {
            Html html = PortalEndpoints.Page(context);
            PortalLanguage l = html.Language;
            ((Caller Caller, string Session) signedIn, IFormCollection form, IResult? refused) = await WriteFormAsync(context, html, "ConsoleRevoke").ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }

            if (OrderOf(context, form) is not { } order)
            {
                return Forged(context, html, "ConsoleRevoke");
            }

            string reference = Fields.Reference(order.Authority, order.Decision);
            string reason = form["reason"].ToString();
            var request = new RevokeOrderRequest { Reason = Optional(reason) };
            string token = PreviewToken(signedIn.Session, "revoke " + reference, request);
            string? previewed = null;
            try
            {
                if (ConfirmsPreview(form, token))
                {
                    registry.Orders.RevokeOrder(signedIn.Caller, order.Authority, order.Decision, request);
                    return Results.Redirect(PortalEndpoints.OrderPath(order.Authority, order.Decision));
                }

                // The preview of a revocation: what is in force now and stops being.
                OrderView view = registry.Queries.GetOrder(order.Authority, order.Decision, 1000, null, entryData: false) ?? throw RegistryProblem.NotFound($"there is no order {reference}");
                if (view.Authority != signedIn.Caller.Authority)
                {
                    throw RegistryProblem.Forbidden($"the key acts for authority '{signedIn.Caller.Authority}' and cannot change orders of '{view.Authority}'");
                }

                if (view.Status == "revoked")
                {
                    throw RegistryProblem.Conflict("decision", $"the order {reference} is already revoked");
                }

                html.Raw("<section aria-labelledby=\"preview\"><h2 id=\"preview\">").T("ConsolePreviewTitle").Raw("</h2><p role=\"status\">")
                    .Text(l.Format("ConsoleWouldRevoke", reference, l.Number(view.TargetCount))).Raw("</p></section>");
                previewed = token;
            }
            catch (RegistryProblem problem)
            {
                Problem(html, problem);
            }

            RevokeFormMarkup(html, context, signedIn.Session, order, reason, previewed);
            return Result(context, html, l.Format("ConsoleRevokeTitle", reference));
        }
    }
}
