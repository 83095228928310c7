using System.Globalization;
using System.Resources;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Palisade.Registry.Portal;

/// <summary>
/// One language of the portal: its texts (the resource files Strings.resx, Strings.ru.resx, Strings.zh.resx), and dates
/// and numbers formatted by its culture. A request gets the language of <c>?lang=</c> (remembered in a cookie that
/// holds only the language), else of that cookie, else the best of its <c>Accept-Language</c>, else English.
/// </summary>
internal sealed class PortalLanguage
{
    private static readonly ResourceManager s_strings = new("Palisade.Registry.Portal.Strings", typeof(PortalLanguage).Assembly);

    /// <summary>English (the default).</summary>
    public static readonly PortalLanguage English = new("en", "English", "en-GB", "d MMMM yyyy");

    /// <summary>Russian.</summary>
    public static readonly PortalLanguage Russian = new("ru", "Русский", "ru-RU", "d MMMM yyyy 'г.'");

    /// <summary>Chinese (simplified).</summary>
    public static readonly PortalLanguage Chinese = new("zh", "中文", "zh-CN", "yyyy'年'M'月'd'日'");

    /// <summary>Every language, in the switcher's order.</summary>
    public static readonly IReadOnlyList<PortalLanguage> All = [English, Russian, Chinese];

    /// <summary>The cookie that remembers a language chosen with <c>?lang=</c>.</summary>
    public const string CookieName = "palisade-lang";

    private readonly string _datePattern;

    private PortalLanguage(string code, string name, string culture, string datePattern)
    {
        _datePattern = datePattern;
        Code = code;
        Name = name;
        Culture = CultureInfo.GetCultureInfo(culture);
    }

    /// <summary>The BCP 47 tag of the pages (<c>html lang</c>), and the value of <c>?lang=</c>.</summary>
    public string Code { get; }

    /// <summary>The language's own name, as the switcher shows it.</summary>
    public string Name { get; }

    /// <summary>The culture that formats dates and numbers.</summary>
    public CultureInfo Culture { get; }

    /// <summary>The text of <paramref name="key"/>: for a term key such as <c>Status.active</c> without a text, the term
    /// itself (a value that no resource names yet is shown as the API names it); otherwise the key, so a gap shows.</summary>
    public string this[string key] => s_strings.GetString(key, Culture)
        ?? (key.IndexOf('.', StringComparison.Ordinal) is int dot and > 0 ? key[(dot + 1)..] : key);

    /// <summary>The text of <paramref name="key"/>, or null when the resource files have none.</summary>
    public string? TextOrNull(string key) => s_strings.GetString(key, Culture);

    /// <summary>The text of <paramref name="key"/> with its placeholders {0}, {1}… replaced by <paramref name="args"/>
    /// (other braces are kept, so a text may show a path template such as /orders/{authority}).</summary>
    public string Format(string key, params string[] args) => Fill(this[key], args, static s => s);

    /// <summary>As <see cref="Format"/> for HTML: the text is encoded, the arguments are markup inserted as they are.</summary>
    public string Markup(string key, params string[] markupArgs) => Fill(this[key], markupArgs, Html.Encode);

    private static string Fill(string template, string[] args, Func<string, string> literal)
    {
        var text = new StringBuilder(template.Length + 32);
        int start = 0;
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                continue;
            }

            int close = template.IndexOf('}', i);
            if (close > i + 1 && int.TryParse(template.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n < args.Length)
            {
                text.Append(literal(template[start..i])).Append(args[n]);
                start = close + 1;
                i = close;
            }
        }

        return text.Append(literal(template[start..])).ToString();
    }

    /// <summary>A count, grouped as the language writes numbers.</summary>
    public string Number(long value) => value.ToString("N0", Culture);

    /// <summary>An RFC 3339 time from the API, as the language writes dates, in UTC; the text itself when it is not one.</summary>
    public string Time(string? rfc3339)
    {
        if (rfc3339 is null || !DateTimeOffset.TryParse(rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
        {
            return rfc3339 ?? "";
        }

        DateTime utc = time.UtcDateTime;
        return utc.ToString(_datePattern, Culture) + " " + utc.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC";
    }

    /// <summary>A time as markup: the language's text in a <c>time</c> element carrying the machine-readable value.</summary>
    public string TimeMarkup(string? rfc3339) => rfc3339 is null ? "" : $"<time datetime=\"{Html.Encode(rfc3339)}\">{Html.Encode(Time(rfc3339))}</time>";

    /// <summary>The language of a request (see the class summary); a <c>?lang=</c> also sets the cookie.</summary>
    public static PortalLanguage Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(typeof(PortalLanguage), out object? chosen) && chosen is PortalLanguage known)
        {
            return known;
        }

        PortalLanguage language;
        if (Find(context.Request.Query["lang"]) is { } asked)
        {
            language = asked;
            context.Response.Cookies.Append(CookieName, asked.Code, new CookieOptions
            {
                Path = "/", HttpOnly = true, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax, Secure = context.Request.IsHttps, MaxAge = TimeSpan.FromDays(365), IsEssential = true,
            });
        }
        else
        {
            language = Find(context.Request.Cookies[CookieName]) ?? FromAcceptLanguage(context.Request.Headers.AcceptLanguage) ?? English;
        }

        context.Items[typeof(PortalLanguage)] = language;
        return language;
    }

    private static PortalLanguage? Find(string? code) => code is null ? null : All.FirstOrDefault(l => string.Equals(l.Code, code, StringComparison.OrdinalIgnoreCase));

    /// <summary>The supported language the header prefers most (RFC 9110 §12.5.4: quality values, primary subtags).</summary>
    private static PortalLanguage? FromAcceptLanguage(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (!StringWithQualityHeaderValue.TryParseList(header, out IList<StringWithQualityHeaderValue>? ranges))
        {
            return null;
        }

        foreach (StringWithQualityHeaderValue range in ranges.Where(r => (r.Quality ?? 1) > 0).OrderByDescending(r => r.Quality ?? 1))
        {
            string tag = range.Value.Value ?? "";
            int dash = tag.IndexOf('-', StringComparison.Ordinal);
            if (Find(dash < 0 ? tag : tag[..dash]) is { } language)
            {
                return language;
            }
        }

        return null;
    }
}
