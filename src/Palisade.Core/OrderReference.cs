using System.Diagnostics.CodeAnalysis;

namespace Palisade.Core;

/// <summary>
/// The reference of an order, <c>authority/decision</c>: the authority's id (lower-case letters, digits and hyphens,
/// never a '/') and the decision number as the authority wrote it (which may hold '/' and any script). It travels with
/// every match, into EDE texts, block pages and reports, and addresses the order's public page and API resource, where
/// the decision is one percent-encoded path segment.
/// </summary>
public readonly struct OrderReference : IEquatable<OrderReference>, ISpanFormattable
{
    /// <summary>Creates a reference.</summary>
    /// <exception cref="ArgumentException">The authority is empty or holds '/', or the decision is empty.</exception>
    public OrderReference(string authority, string decision)
    {
        ArgumentException.ThrowIfNullOrEmpty(authority);
        ArgumentException.ThrowIfNullOrEmpty(decision);
        if (authority.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the authority id '{authority}' holds '/'", nameof(authority));
        }

        Authority = authority;
        Decision = decision;
    }

    /// <summary>The issuing authority's id.</summary>
    public string Authority { get; }

    /// <summary>The decision number.</summary>
    public string Decision { get; }

    /// <summary>The path of the order's public page: <c>/orders/{authority}/{decision}</c>, each segment percent-encoded.</summary>
    public string PagePath => "/orders/" + Uri.EscapeDataString(Authority) + "/" + Uri.EscapeDataString(Decision);

    /// <summary>The path of the order's API resource: <c>/v1/orders/{authority}/{decision}</c>.</summary>
    public string ApiPath => "/v1" + PagePath;

    /// <summary>Parses <c>authority/decision</c>, split at the first '/'.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out OrderReference reference)
    {
        reference = default;
        int slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1)
        {
            return false;
        }

        reference = new OrderReference(text[..slash].ToString(), text[(slash + 1)..].ToString());
        return true;
    }

    /// <inheritdoc cref="TryParse(ReadOnlySpan{char}, out OrderReference)"/>
    public static bool TryParse([NotNullWhen(true)] string? text, out OrderReference reference) => TryParse(text.AsSpan(), out reference);

    /// <summary>Parses <c>authority/decision</c>.</summary>
    /// <exception cref="FormatException">The text is not a reference.</exception>
    public static OrderReference Parse(string text) =>
        TryParse(text, out OrderReference reference) ? reference : throw new FormatException($"'{text}' is not an order reference authority/decision");

    /// <summary>The order's public page under <paramref name="baseUrl"/> (a registry or portal URL).</summary>
    public string PageUrl(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return baseUrl.TrimEnd('/') + PagePath;
    }

    /// <summary>The order's API resource under <paramref name="baseUrl"/>.</summary>
    public string ApiUrl(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return baseUrl.TrimEnd('/') + ApiPath;
    }

    /// <inheritdoc />
    public override string ToString() => Authority is null ? string.Empty : Authority + "/" + Decision;

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        if (Authority is null || destination.Length < Authority.Length + 1 + Decision.Length)
        {
            return Authority is null;
        }

        Authority.CopyTo(destination);
        destination[Authority.Length] = '/';
        Decision.CopyTo(destination[(Authority.Length + 1)..]);
        charsWritten = Authority.Length + 1 + Decision.Length;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(OrderReference other) =>
        string.Equals(Authority, other.Authority, StringComparison.Ordinal) && string.Equals(Decision, other.Decision, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is OrderReference other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Authority ?? ""), StringComparer.Ordinal.GetHashCode(Decision ?? ""));

    /// <summary>Equality.</summary>
    public static bool operator ==(OrderReference left, OrderReference right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(OrderReference left, OrderReference right) => !left.Equals(right);
}
