using Palisade.Log.Events;
using Palisade.Policy;
using Palisade.Log;
using Palisade.Registry.Api;
using Palisade.Registry.Storage;
using static Palisade.Registry.Fields;

namespace Palisade.Registry;

/// <summary>Operators (ISPs, resolver services, search engines) and their enforcement points, each registered in the
/// log (<c>operator.registered</c>, <c>point.created</c> with the point's public key), so that what each point later
/// acknowledges is attributable.</summary>
internal sealed class Operators(RegistryContext context, DelistingFeeds delisting)
{
    /// <summary>The kinds of operator.</summary>
    public static readonly string[] Kinds = ["isp", "resolver", "search-engine", "other"];

    private readonly RegistryContext _context = context;

    /// <summary>Registers an operator (logged as <c>operator.registered</c>).</summary>
    public OperatorView AddOperator(AddOperatorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = Required(request.Id, "id", 64);
        if (!IsAuthorityId(id))
        {
            throw RegistryProblem.Invalid("id", $"the operator id '{id}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
        }

        string name = Label(request.Name, "name", 300);
        string kind = Required(request.Kind ?? "isp", "kind", 20);
        if (Array.IndexOf(Kinds, kind) < 0)
        {
            throw RegistryProblem.Invalid("kind", $"the kind '{kind}' is not one of {string.Join(", ", Kinds)}");
        }

        string country = Label(request.Country ?? "unspecified", "country", 100);
        string url = Required(request.Url ?? $"https://{id}.invalid/", "url", 2000);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            throw RegistryProblem.Invalid("url", $"'{url}' is not an absolute http(s) URL");
        }

        return _context.Writer.Write((session, log) =>
        {
            if (session.OperatorExists(id))
            {
                throw RegistryProblem.Conflict("id", $"the operator '{id}' already exists");
            }

            (long index, _) = log(new OperatorRegistered { Time = _context.Time.GetUtcNow(), Operator = id, Name = name, Kind = kind, Country = country, Url = url });
            session.InsertOperator(id, name, kind, country, url, index);
            return new OperatorView(id, name, kind, country, url, index, []);
        });
    }

    /// <summary>Registers an enforcement point of an operator with its key (logged as <c>point.created</c>).</summary>
    public PointView AddPoint(string operatorId, AddPointRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string id = Required(request.Id, "id", 64);
        if (!IsAuthorityId(id))
        {
            throw RegistryProblem.Invalid("id", $"the point id '{id}' must be 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit");
        }

        string keyText = Required(request.Key, "key", 200);
        NoteVerifier key;
        try
        {
            key = NoteVerifier.Parse(keyText);
        }
        catch (FormatException e)
        {
            throw RegistryProblem.Invalid("key", $"the point's key is not a signed-note verifier key: {e.Message}");
        }

        return _context.Writer.Write((session, log) =>
        {
            if (!session.OperatorExists(operatorId))
            {
                throw RegistryProblem.NotFound($"there is no operator '{operatorId}'");
            }

            if (session.PointExists(id))
            {
                throw RegistryProblem.Conflict("id", $"the point '{id}' already exists");
            }

            // A public key belongs to one point: otherwise whoever holds it could acknowledge for another operator.
            string publicKey = PublicKeyOf(key.VerifierKey);
            foreach ((string other, string otherKey) in session.PointKeys())
            {
                if (PublicKeyOf(otherKey) == publicKey)
                {
                    throw RegistryProblem.Conflict("key", $"the key is already point '{other}''s; each point has a key of its own");
                }
            }

            (long index, _) = log(new PointCreated { Time = _context.Time.GetUtcNow(), Operator = operatorId, Point = id, Key = key.VerifierKey });
            session.InsertPoint(id, operatorId, key.VerifierKey, index);
            return new PointView(id, key.VerifierKey, index, null);
        });
    }

    /// <summary>The public key of a verifier key <c>name+keyid+base64</c> (its last part), whatever name it is given.</summary>
    private static string PublicKeyOf(string verifierKey) => verifierKey[(verifierKey.LastIndexOf('+') + 1)..];

    /// <summary>How far in the future an acknowledgement's signed time may be (clock skew).</summary>
    public static readonly TimeSpan MaxAckClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Records an enforcement point's signed acknowledgement (logged as <c>point.acknowledged</c>, the signed statement
    /// kept whole): signed with the point's registered key, for this registry, for a version it published with that
    /// bundle hash, not from the future, and later than the point's last acknowledgement (no replays).
    /// </summary>
    public async Task<AckView> AcknowledgeAsync(string statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        Acknowledgement ack;
        try
        {
            if (System.Text.Encoding.UTF8.GetByteCount(statement) > Acknowledgement.MaxLength)
            {
                throw new FormatException($"an acknowledgement has at most {Acknowledgement.MaxLength} bytes");
            }

            ack = Acknowledgement.Parse(SignedNote.Parse(statement).Text);
        }
        catch (FormatException e)
        {
            throw RegistryProblem.Invalid("body", $"the body is not a signed acknowledgement: {e.Message}");
        }

        if (ack.Registry != _context.Log.Origin)
        {
            throw new RegistryProblem(422, "other-registry", "Acknowledges another registry", $"the acknowledgement is for registry '{ack.Registry}', not '{_context.Log.Origin}'");
        }

        long now = _context.Time.GetUtcNow().ToUnixTimeSeconds();
        if (ack.Time > now + (long)MaxAckClockSkew.TotalSeconds)
        {
            throw new RegistryProblem(422, "ack-from-the-future", "Acknowledgement from the future", $"the acknowledgement is signed for {ack.Time}, later than now ({now}) by more than {MaxAckClockSkew}");
        }

        string verifierKey;
        RegistryVersion? version;
        using (RegistrySession read = _context.Store.OpenRead())
        {
            verifierKey = read.FindPoint(ack.Point)?.VerifierKey ?? throw RegistryProblem.NotFound($"there is no enforcement point '{ack.Point}'");
            version = read.GetVersion(ack.Version);
        }

        try
        {
            NoteVerifier.Parse(verifierKey).Verify(statement);
        }
        catch (Exception e) when (e is CryptographicNoteException or FormatException)
        {
            throw RegistryProblem.Forbidden($"the acknowledgement is not signed by point '{ack.Point}': {e.Message}");
        }

        // A point acknowledges the file it enforces: the version's bundle, or for a search engine its delisting feed.
        byte[]? feed = version is null || version.BundleSha256.AsSpan().SequenceEqual(ack.BundleSha256) ? null
            : (await delisting.FileAsync(ack.Version, cancellationToken).ConfigureAwait(false)).Sha256;
        if (version is null || !(feed is null || feed.AsSpan().SequenceEqual(ack.BundleSha256)))
        {
            throw new RegistryProblem(422, "unpublished-version", "Not a published version",
                version is null ? $"this registry never published version {ack.Version}"
                : $"version {ack.Version}'s bundle is {Convert.ToHexStringLower(version.BundleSha256)} and its delisting feed {Convert.ToHexStringLower(feed!)}, not {Convert.ToHexStringLower(ack.BundleSha256)}");
        }

        return _context.Writer.Write((session, log) =>
        {
            if (session.LastAckTime(ack.Point) is { } last && ack.Time <= last)
            {
                throw RegistryProblem.Conflict("time", $"point '{ack.Point}' already acknowledged at {last}; an acknowledgement signed at {ack.Time} is a replay or out of order");
            }

            (long index, _) = log(new PointAcknowledged { Time = _context.Time.GetUtcNow(), Point = ack.Point, Version = ack.Version, Statement = statement });
            session.InsertAck(index, ack.Point, (long)ack.Version, ack.Time);
            return new AckView(ack.Point, (long)ack.Version, index);
        });
    }

    /// <summary>
    /// Records that the registry's own DNS server saw RPZ secondary <paramref name="point"/> (an operator's name server
    /// configured as a NOTIFY target) complete a zone transfer of <paramref name="version"/>, logged as
    /// <c>point.transferred</c>. It counts as the point's acknowledgement. Null when the point already acknowledged this
    /// version or a later one (secondaries transfer again at each refresh; only progress is logged).
    /// </summary>
    public AckView? RecordTransfer(string point, ulong version, string transfer)
    {
        if (transfer is not ("AXFR" or "IXFR"))
        {
            throw new ArgumentException($"'{transfer}' is not AXFR or IXFR", nameof(transfer));
        }

        using (RegistrySession read = _context.Store.OpenRead())
        {
            _ = read.FindPoint(point) ?? throw RegistryProblem.NotFound($"there is no enforcement point '{point}'");
            _ = read.GetVersion(version) ?? throw new RegistryProblem(422, "unpublished-version", "Not a published version", $"this registry never published version {version}");
        }

        return _context.Writer.Write((session, log) =>
        {
            if (session.LastAckVersion(point) is { } last && last >= (long)version)
            {
                return null;
            }

            DateTimeOffset now = _context.Time.GetUtcNow();
            (long index, _) = log(new PointTransferred { Time = now, Point = point, Version = version, Transfer = transfer });
            session.InsertAck(index, point, (long)version, now.ToUnixTimeSeconds());
            return new AckView(point, (long)version, index);
        });
    }

    /// <summary>
    /// One operator with its points and its compliance: for each order in force, the first version that held it (and
    /// when it was published), the category's deadline from then, and whether a point of the operator acknowledged that
    /// version or a later one; an order past its deadline without one is overdue. Null when there is no such operator.
    /// </summary>
    public OperatorView? Get(string id)
    {
        using RegistrySession session = _context.Store.OpenRead(snapshot: true);
        OperatorView? view = session.ListOperators().Find(o => o.Id == id);
        if (view is null)
        {
            return null;
        }

        List<(long Version, long LogSize, long TimeMs)> versions = session.VersionTimes();
        List<(long Version, long SignedTime)> acks = session.OperatorAcks(id);
        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var overdue = new List<OverdueOrder>();
        int pending = 0;
        foreach ((string authority, string decision, string category, long issued) in session.LiveOrders())
        {
            // The first version that covers the issuing entry holds the order.
            int first = versions.FindIndex(v => v.LogSize > issued);
            if (first < 0)
            {
                continue;
            }

            (long version, _, long published) = versions[first];
            if (acks.Exists(a => a.Version >= version))
            {
                continue;
            }

            TimeSpan allowed = _context.Options.Deadlines.TryGetValue(category, out TimeSpan d) ? d : _context.Options.DefaultDeadline;
            long deadline = published + (long)allowed.TotalMilliseconds;
            if (deadline > now)
            {
                pending++;
                continue;
            }

            overdue.Add(new OverdueOrder(Reference(authority, decision), category, version, FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(published)),
                FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(deadline))));
        }

        long latest = versions.Count == 0 ? 0 : versions[^1].Version;
        long acked = view.Points.Max(p => p.AckedVersion) ?? 0;
        return view with { Overdue = overdue, Pending = pending, Lag = latest - acked };
    }

    /// <summary>Where each operator stands with one order (see <see cref="OperatorStatus"/>); empty before a version holds
    /// it or when it is revoked.</summary>
    public List<OperatorStatus> StatusOf(string authority, string decision)
    {
        using RegistrySession session = _context.Store.OpenRead(snapshot: true);

        // This one order (not the list of all orders): its category, and the entry that issued it.
        OrderRow? order = session.LoadOrder(authority, decision);
        if (order is not null)
        {
            _context.LoggedOrders.Check([order]);
        }

        long? issued = order is null || order.RevokedMs is not null ? null
            : session.OrderEvents(authority, decision, long.MaxValue).Find(e => e.Type == OrderIssued.TypeName) is { Type: not null } e ? e.Index : null;
        List<(long Version, long LogSize, long TimeMs)> versions = issued is null ? [] : session.VersionTimes();
        int first = versions.FindIndex(v => v.LogSize > issued);
        if (first < 0)
        {
            return [];
        }

        (long version, _, long published) = versions[first];
        TimeSpan allowed = _context.Options.Deadlines.TryGetValue(order!.Category, out TimeSpan d) ? d : _context.Options.DefaultDeadline;
        long deadline = published + (long)allowed.TotalMilliseconds;
        long now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        List<(string Operator, long Version, long SignedTime)> acks = session.AllAcks();
        var statuses = new List<OperatorStatus>();
        foreach (OperatorView op in session.ListOperators())
        {
            long? acked = acks.Where(a => a.Operator == op.Id && a.Version >= version).Select(a => (long?)a.SignedTime).Min();
            string status = acked is not null ? "acknowledged" : deadline <= now ? "overdue" : "pending";
            statuses.Add(new OperatorStatus(op.Id, version, status, acked is null ? null : FormatTime(DateTimeOffset.FromUnixTimeSeconds(acked.Value)),
                FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(deadline))));
        }

        return statuses;
    }

    /// <summary>Every operator with its points.</summary>
    public List<OperatorView> List()
    {
        using RegistrySession session = _context.Store.OpenRead();
        return session.ListOperators();
    }

    /// <summary>Creates a point's key file in the data directory (readable by its owner only), named after the point,
    /// and returns its path and the key.</summary>
    public static (string Path, NoteSigner Key) CreateKeyFile(string dataDirectory, string operatorId, string pointId) =>
        SecretFile.CreateSigningKey(dataDirectory, $"point-{pointId}.key", $"{operatorId}/{pointId}", "a point's key is made once");
}
