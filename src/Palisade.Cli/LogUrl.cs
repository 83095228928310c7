using System.Diagnostics.CodeAnalysis;

namespace Palisade.Cli;

/// <summary>The <c>--log</c> argument: a registry's base URL or its tlog-tiles prefix, normalised to the prefix.</summary>
internal static class LogUrl
{
    public static bool TryParse(string text, [NotNullWhen(true)] out Uri? prefix, [NotNullWhen(false)] out string? error)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out prefix) || (prefix.Scheme != "http" && prefix.Scheme != "https"))
        {
            prefix = null;
            error = $"--log '{text}' is not an absolute http(s) URL";
            return false;
        }

        if (!prefix.AbsolutePath.TrimEnd('/').EndsWith("/log", StringComparison.Ordinal))
        {
            prefix = new Uri(prefix, prefix.AbsolutePath.TrimEnd('/') + "/log/");
        }

        error = null;
        return true;
    }
}
