namespace Palisade.Registry;

/// <summary>A refused request: becomes an RFC 9457 problem document whose <c>field</c> names the offending member.</summary>
public sealed class RegistryProblem : Exception
{
    /// <summary>Creates the problem.</summary>
    public RegistryProblem(int status, string type, string title, string detail, string? field = null)
        : base(detail)
    {
        Status = status;
        Type = type;
        Title = title;
        Field = field;
    }

    /// <summary>Creates an empty problem (500).</summary>
    public RegistryProblem()
        : this(500, "internal", "Internal error", "internal error")
    {
    }

    /// <summary>Creates a problem with a message (400).</summary>
    public RegistryProblem(string message)
        : this(400, "invalid-request", "Invalid request", message)
    {
    }

    /// <summary>Creates a problem with a message and cause (400).</summary>
    public RegistryProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Type = "invalid-request";
        Title = "Invalid request";
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>When set, the answer carries <c>Retry-After</c> with these seconds (503 and 429 answers).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The problem type slug; the document's <c>type</c> is <c>/problems/{slug}</c>.</summary>
    public string Type { get; }

    /// <summary>A short summary of the problem type.</summary>
    public string Title { get; }

    /// <summary>The request member at fault, as a JSON path such as <c>targets[2]</c>, if one is.</summary>
    public string? Field { get; }

    /// <summary>400: a member of the request is invalid.</summary>
    public static RegistryProblem Invalid(string field, string detail) => new(400, "invalid-field", "A request field is invalid", detail, field);

    /// <summary>A target is protected and needs a logged override.</summary>
    public static RegistryProblem Protected(string field, string detail) => new(422, "protected-resource", "The order would cover a protected resource", detail, field);

    /// <summary>401: no valid key.</summary>
    public static RegistryProblem Unauthenticated(string detail) => new(401, "unauthenticated", "An API key is required", detail);

    /// <summary>403: the key's role or authority does not allow this.</summary>
    public static RegistryProblem Forbidden(string detail) => new(403, "forbidden", "The API key may not do this", detail);

    /// <summary>404.</summary>
    public static RegistryProblem NotFound(string detail) => new(404, "not-found", "Not found", detail);

    /// <summary>409: the request conflicts with stored state.</summary>
    public static RegistryProblem Conflict(string field, string detail) => new(409, "conflict", "The request conflicts with the registry", detail, field);
}
