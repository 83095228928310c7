using System.Text;

namespace Palisade.Core.Url;

/// <summary>
/// The basic URL parser of the WHATWG URL Standard §4.4, for every scheme, without state override (Palisade
/// parses whole URLs; it has no setters). Failure carries the reason in words.
/// </summary>
public static class WhatwgUrlParser
{
    /// <summary>Inputs longer than this are refused before parsing (a bound on what a peer can make us do).</summary>
    public const int MaxInputLength = 64 * 1024;

    private const int Eof = -1;

    private enum State
    {
        SchemeStart, Scheme, NoScheme, SpecialRelativeOrAuthority, PathOrAuthority, Relative, RelativeSlash,
        SpecialAuthoritySlashes, SpecialAuthorityIgnoreSlashes, Authority, Host, Port, File, FileSlash, FileHost,
        PathStart, Path, OpaquePath, Query, Fragment,
    }

    /// <summary>Parses <paramref name="input"/> against an optional <paramref name="baseUrl"/>; null on failure, with the reason in <paramref name="error"/>.</summary>
    public static WhatwgUrl? Parse(string input, WhatwgUrl? baseUrl, out string error)
    {
        error = string.Empty;
        if (input.Length > MaxInputLength)
        {
            error = $"URL is longer than {MaxInputLength} characters";
            return null;
        }

        int[] c = Preprocess(input);
        var url = new WhatwgUrl();
        var state = State.SchemeStart;
        var buffer = new StringBuilder();
        int bufferCodePoints = 0;
        bool atSignSeen = false, insideBrackets = false, passwordTokenSeen = false;

        for (int pointer = 0; ; pointer++)
        {
            int ch = pointer < c.Length ? c[pointer] : Eof;
            switch (state)
            {
                case State.SchemeStart:
                    if (IsAsciiAlpha(ch))
                    {
                        buffer.Append((char)(ch | 0x20));
                        state = State.Scheme;
                    }
                    else
                    {
                        state = State.NoScheme;
                        pointer--;
                    }

                    break;

                case State.Scheme:
                    if (IsAsciiAlpha(ch) || ch is (>= '0' and <= '9') or '+' or '-' or '.')
                    {
                        buffer.Append((char)(ch is >= 'A' and <= 'Z' ? ch | 0x20 : ch));
                    }
                    else if (ch == ':')
                    {
                        url.Scheme = buffer.ToString();
                        buffer.Clear();
                        if (url.Scheme == "file")
                        {
                            state = State.File;
                        }
                        else if (url.IsSpecial && baseUrl is not null && baseUrl.Scheme == url.Scheme)
                        {
                            state = State.SpecialRelativeOrAuthority;
                        }
                        else if (url.IsSpecial)
                        {
                            state = State.SpecialAuthoritySlashes;
                        }
                        else if (At(c, pointer + 1) == '/')
                        {
                            state = State.PathOrAuthority;
                            pointer++;
                        }
                        else
                        {
                            url.OpaquePath = string.Empty;
                            state = State.OpaquePath;
                        }
                    }
                    else
                    {
                        buffer.Clear();
                        state = State.NoScheme;
                        pointer = -1;
                    }

                    break;

                case State.NoScheme:
                    if (baseUrl is null || (baseUrl.OpaquePath is not null && ch != '#'))
                    {
                        error = baseUrl is null ? "URL has no scheme and there is no base URL" : "relative URL against a base URL with an opaque path";
                        return null;
                    }

                    if (baseUrl.OpaquePath is not null)
                    {
                        url.Scheme = baseUrl.Scheme;
                        url.OpaquePath = baseUrl.OpaquePath;
                        url.Query = baseUrl.Query;
                        url.Fragment = string.Empty;
                        state = State.Fragment;
                    }
                    else
                    {
                        state = baseUrl.Scheme == "file" ? State.File : State.Relative;
                        pointer--;
                    }

                    break;

                case State.SpecialRelativeOrAuthority:
                    if (ch == '/' && At(c, pointer + 1) == '/')
                    {
                        state = State.SpecialAuthorityIgnoreSlashes;
                        pointer++;
                    }
                    else
                    {
                        state = State.Relative;
                        pointer--;
                    }

                    break;

                case State.PathOrAuthority:
                    if (ch == '/')
                    {
                        state = State.Authority;
                    }
                    else
                    {
                        state = State.Path;
                        pointer--;
                    }

                    break;

                case State.Relative:
                    url.Scheme = baseUrl!.Scheme;
                    if (ch == '/' || (url.IsSpecial && ch == '\\'))
                    {
                        state = State.RelativeSlash;
                    }
                    else
                    {
                        CopyAuthority(url, baseUrl);
                        url.Segments = [.. baseUrl.Segments];
                        url.Query = baseUrl.Query;
                        if (!StartsQueryOrFragment(url, ch, ref state) && ch != Eof)
                        {
                            url.Query = null;
                            ShortenPath(url);
                            state = State.Path;
                            pointer--;
                        }
                    }

                    break;

                case State.RelativeSlash:
                    if (url.IsSpecial && ch is '/' or '\\')
                    {
                        state = State.SpecialAuthorityIgnoreSlashes;
                    }
                    else if (ch == '/')
                    {
                        state = State.Authority;
                    }
                    else
                    {
                        CopyAuthority(url, baseUrl!);
                        state = State.Path;
                        pointer--;
                    }

                    break;

                case State.SpecialAuthoritySlashes:
                    state = State.SpecialAuthorityIgnoreSlashes;
                    if (ch == '/' && At(c, pointer + 1) == '/')
                    {
                        pointer++;
                    }
                    else
                    {
                        pointer--;
                    }

                    break;

                case State.SpecialAuthorityIgnoreSlashes:
                    if (ch is not '/' and not '\\')
                    {
                        state = State.Authority;
                        pointer--;
                    }

                    break;

                case State.Authority:
                    if (ch == '@')
                    {
                        if (atSignSeen)
                        {
                            buffer.Insert(0, "%40");
                        }

                        atSignSeen = true;
                        string credentials = buffer.ToString();
                        var username = new StringBuilder(url.Username);
                        var password = new StringBuilder(url.Password);
                        for (int i = 0; i < credentials.Length;)
                        {
                            Rune.DecodeFromUtf16(credentials.AsSpan(i), out var rune, out int consumed);
                            i += consumed;
                            if (rune.Value == ':' && !passwordTokenSeen)
                            {
                                passwordTokenSeen = true;
                                continue;
                            }

                            PercentEncoding.Append(passwordTokenSeen ? password : username, rune.Value, PercentEncodeSet.Userinfo);
                        }

                        url.Username = username.ToString();
                        url.Password = password.ToString();
                        buffer.Clear();
                        bufferCodePoints = 0;
                    }
                    else if (ch is Eof or '/' or '?' or '#' || (url.IsSpecial && ch == '\\'))
                    {
                        if (atSignSeen && buffer.Length == 0)
                        {
                            error = "credentials are followed by no host";
                            return null;
                        }

                        pointer -= bufferCodePoints + 1;
                        buffer.Clear();
                        bufferCodePoints = 0;
                        state = State.Host;
                    }
                    else
                    {
                        AppendCodePoint(buffer, ch);
                        bufferCodePoints++;
                    }

                    break;

                case State.Host:
                    if (ch == ':' && !insideBrackets)
                    {
                        if (buffer.Length == 0)
                        {
                            error = "port given without a host";
                            return null;
                        }

                        if (!SetHost(url, buffer, out error))
                        {
                            return null;
                        }

                        state = State.Port;
                    }
                    else if (ch is Eof or '/' or '?' or '#' || (url.IsSpecial && ch == '\\'))
                    {
                        pointer--;
                        if (url.IsSpecial && buffer.Length == 0)
                        {
                            error = "special URL has an empty host";
                            return null;
                        }

                        if (!SetHost(url, buffer, out error))
                        {
                            return null;
                        }

                        state = State.PathStart;
                    }
                    else
                    {
                        if (ch == '[')
                        {
                            insideBrackets = true;
                        }
                        else if (ch == ']')
                        {
                            insideBrackets = false;
                        }

                        AppendCodePoint(buffer, ch);
                    }

                    break;

                case State.Port:
                    if (ch is >= '0' and <= '9')
                    {
                        buffer.Append((char)ch);
                    }
                    else if (ch is Eof or '/' or '?' or '#' || (url.IsSpecial && ch == '\\'))
                    {
                        if (buffer.Length != 0)
                        {
                            int port = 0;
                            foreach (var chunk in buffer.GetChunks())
                            {
                                foreach (char digit in chunk.Span)
                                {
                                    port = Math.Min((port * 10) + (digit - '0'), 1 << 20);
                                }
                            }

                            if (port > 65535)
                            {
                                error = "port is greater than 65535";
                                return null;
                            }

                            url.Port = port == WhatwgUrl.DefaultPort(url.Scheme) ? null : port;
                            buffer.Clear();
                        }

                        state = State.PathStart;
                        pointer--;
                    }
                    else
                    {
                        error = "port is not a number";
                        return null;
                    }

                    break;

                case State.File:
                    url.Scheme = "file";
                    url.Host = string.Empty;
                    if (ch is '/' or '\\')
                    {
                        state = State.FileSlash;
                    }
                    else if (baseUrl is not null && baseUrl.Scheme == "file")
                    {
                        url.Host = baseUrl.Host;
                        url.Segments = [.. baseUrl.Segments];
                        url.Query = baseUrl.Query;
                        if (!StartsQueryOrFragment(url, ch, ref state) && ch != Eof)
                        {
                            url.Query = null;
                            if (!StartsWithWindowsDriveLetter(c, pointer))
                            {
                                ShortenPath(url);
                            }
                            else
                            {
                                url.Segments.Clear();
                            }

                            state = State.Path;
                            pointer--;
                        }
                    }
                    else
                    {
                        state = State.Path;
                        pointer--;
                    }

                    break;

                case State.FileSlash:
                    if (ch is '/' or '\\')
                    {
                        state = State.FileHost;
                    }
                    else
                    {
                        if (baseUrl is not null && baseUrl.Scheme == "file")
                        {
                            url.Host = baseUrl.Host;
                            if (!StartsWithWindowsDriveLetter(c, pointer) && baseUrl.Segments.Count > 0 && IsNormalizedWindowsDriveLetter(baseUrl.Segments[0]))
                            {
                                url.Segments.Add(baseUrl.Segments[0]);
                            }
                        }

                        state = State.Path;
                        pointer--;
                    }

                    break;

                case State.FileHost:
                    if (ch is Eof or '/' or '\\' or '?' or '#')
                    {
                        pointer--;
                        if (IsWindowsDriveLetter(buffer))
                        {
                            // The buffer is kept: the path state turns it into the first segment.
                            state = State.Path;
                        }
                        else if (buffer.Length == 0)
                        {
                            url.Host = string.Empty;
                            state = State.PathStart;
                        }
                        else
                        {
                            if (!SetHost(url, buffer, out error))
                            {
                                return null;
                            }

                            if (url.Host == "localhost")
                            {
                                url.Host = string.Empty;
                            }

                            state = State.PathStart;
                        }
                    }
                    else
                    {
                        AppendCodePoint(buffer, ch);
                    }

                    break;

                case State.PathStart:
                    if (url.IsSpecial)
                    {
                        state = State.Path;
                        if (ch is not '/' and not '\\')
                        {
                            pointer--;
                        }
                    }
                    else if (!StartsQueryOrFragment(url, ch, ref state) && ch != Eof)
                    {
                        state = State.Path;
                        if (ch != '/')
                        {
                            pointer--;
                        }
                    }

                    break;

                case State.Path:
                    bool slash = ch == '/' || (url.IsSpecial && ch == '\\');
                    if (ch == Eof || slash || ch is '?' or '#')
                    {
                        string segment = buffer.ToString();
                        if (IsDoubleDotSegment(segment))
                        {
                            ShortenPath(url);
                            if (!slash)
                            {
                                url.Segments.Add(string.Empty);
                            }
                        }
                        else if (IsSingleDotSegment(segment))
                        {
                            if (!slash)
                            {
                                url.Segments.Add(string.Empty);
                            }
                        }
                        else
                        {
                            if (url.Scheme == "file" && url.Segments.Count == 0 && IsWindowsDriveLetter(buffer))
                            {
                                segment = string.Concat(segment.AsSpan(0, 1), ":");
                            }

                            url.Segments.Add(segment);
                        }

                        buffer.Clear();
                        StartsQueryOrFragment(url, ch, ref state);
                    }
                    else
                    {
                        PercentEncoding.Append(buffer, ch, PercentEncodeSet.Path);
                    }

                    break;

                case State.OpaquePath:
                    if (ch == '?')
                    {
                        url.OpaquePath = buffer.ToString();
                        buffer.Clear();
                        url.Query = string.Empty;
                        state = State.Query;
                    }
                    else if (ch == '#')
                    {
                        url.OpaquePath = buffer.ToString();
                        buffer.Clear();
                        url.Fragment = string.Empty;
                        state = State.Fragment;
                    }
                    else if (ch == ' ')
                    {
                        // A space before a query or fragment is encoded so that the path does not end in a space.
                        buffer.Append(At(c, pointer + 1) is '?' or '#' ? "%20" : " ");
                    }
                    else if (ch != Eof)
                    {
                        PercentEncoding.Append(buffer, ch, PercentEncodeSet.C0Control);
                    }
                    else
                    {
                        url.OpaquePath = buffer.ToString();
                        buffer.Clear();
                    }

                    break;

                case State.Query:
                    if (ch is '#' or Eof)
                    {
                        var query = new StringBuilder(url.Query);
                        var set = url.IsSpecial ? PercentEncodeSet.SpecialQuery : PercentEncodeSet.Query;
                        string pending = buffer.ToString();
                        for (int i = 0; i < pending.Length;)
                        {
                            Rune.DecodeFromUtf16(pending.AsSpan(i), out var rune, out int consumed);
                            i += consumed;
                            PercentEncoding.Append(query, rune.Value, set);
                        }

                        url.Query = query.ToString();
                        buffer.Clear();
                        if (ch == '#')
                        {
                            url.Fragment = string.Empty;
                            state = State.Fragment;
                        }
                    }
                    else
                    {
                        AppendCodePoint(buffer, ch);
                    }

                    break;

                case State.Fragment:
                    if (ch != Eof)
                    {
                        PercentEncoding.Append(buffer, ch, PercentEncodeSet.Fragment);
                    }
                    else
                    {
                        url.Fragment += buffer.ToString();
                    }

                    break;
            }

            // §4.4: "if after a run pointer points to the EOF code point, go to the next step" (states may step back).
            if (pointer >= c.Length)
            {
                break;
            }
        }

        return url;
    }

    /// <summary>
    /// Turns the input into a scalar value string (lone surrogates become U+FFFD, as the URL API's USVString
    /// does), strips leading and trailing C0 controls and spaces, and removes ASCII tab and newline (§4.4 steps 1-3).
    /// </summary>
    private static int[] Preprocess(string input)
    {
        int start = 0, end = input.Length;
        while (start < end && input[start] <= 0x20)
        {
            start++;
        }

        while (end > start && input[end - 1] <= 0x20)
        {
            end--;
        }

        var codePoints = new List<int>(end - start);
        for (int i = start; i < end;)
        {
            char ch = input[i];
            if (ch is '\t' or '\n' or '\r')
            {
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(input.AsSpan(i, end - i), out var rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = 1;
            }

            codePoints.Add(rune.Value);
            i += consumed;
        }

        return [.. codePoints];
    }

    private static bool SetHost(WhatwgUrl url, StringBuilder buffer, out string error)
    {
        string? host = UrlHostParser.Parse(buffer.ToString(), !url.IsSpecial, out error);
        buffer.Clear();
        if (host is null)
        {
            return false;
        }

        url.Host = host;
        return true;
    }

    /// <summary>'?' starts the query and '#' the fragment, from several states alike; true when <paramref name="ch"/> did.</summary>
    private static bool StartsQueryOrFragment(WhatwgUrl url, int ch, ref State state)
    {
        if (ch == '?')
        {
            url.Query = string.Empty;
            state = State.Query;
            return true;
        }

        if (ch == '#')
        {
            url.Fragment = string.Empty;
            state = State.Fragment;
            return true;
        }

        return false;
    }

    private static void CopyAuthority(WhatwgUrl url, WhatwgUrl baseUrl)
    {
        url.Username = baseUrl.Username;
        url.Password = baseUrl.Password;
        url.Host = baseUrl.Host;
        url.Port = baseUrl.Port;
    }

    /// <summary>§4.1 "shorten a URL's path".</summary>
    private static void ShortenPath(WhatwgUrl url)
    {
        var path = url.Segments;
        if (url.Scheme == "file" && path.Count == 1 && IsNormalizedWindowsDriveLetter(path[0]))
        {
            return;
        }

        if (path.Count > 0)
        {
            path.RemoveAt(path.Count - 1);
        }
    }

    private static int At(int[] c, int index) => index >= 0 && index < c.Length ? c[index] : Eof;

    private static bool IsAsciiAlpha(int ch) => ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    private static void AppendCodePoint(StringBuilder buffer, int ch)
    {
        if (ch < 0x10000)
        {
            buffer.Append((char)ch);
        }
        else
        {
            Span<char> units = stackalloc char[2];
            new Rune(ch).EncodeToUtf16(units);
            buffer.Append(units);
        }
    }

    private static bool IsWindowsDriveLetter(StringBuilder buffer) =>
        buffer.Length == 2 && IsAsciiAlpha(buffer[0]) && buffer[1] is ':' or '|';

    private static bool IsNormalizedWindowsDriveLetter(string segment) =>
        segment.Length == 2 && IsAsciiAlpha(segment[0]) && segment[1] == ':';

    /// <summary>§4.2 "starts with a Windows drive letter", for the code points from <paramref name="pointer"/> on.</summary>
    private static bool StartsWithWindowsDriveLetter(int[] c, int pointer) =>
        c.Length - pointer >= 2 && IsAsciiAlpha(c[pointer]) && c[pointer + 1] is ':' or '|' &&
        (c.Length - pointer == 2 || At(c, pointer + 2) is '/' or '\\' or '?' or '#');

    private static bool IsSingleDotSegment(string segment) =>
        segment == "." || segment.Equals("%2e", StringComparison.OrdinalIgnoreCase);

    private static bool IsDoubleDotSegment(string segment) =>
        segment == ".." || segment.Equals(".%2e", StringComparison.OrdinalIgnoreCase) ||
        segment.Equals("%2e.", StringComparison.OrdinalIgnoreCase) || segment.Equals("%2e%2e", StringComparison.OrdinalIgnoreCase);
}
