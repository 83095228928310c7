namespace Palisade.Probe;

/// <summary>Measures resources with at most a given number at once.</summary>
public static class ProbeRunner
{
    /// <summary>Measures every resource, calling <paramref name="measured"/> as each completes (from any thread).</summary>
    public static Task RunAsync(Prober prober, IReadOnlyList<ProbeResource> resources, int parallel, Action<Measurement> measured, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prober);
        ArgumentNullException.ThrowIfNull(measured);
        return Parallel.ForEachAsync(resources, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (resource, token) => measured(await prober.MeasureAsync(resource, token).ConfigureAwait(false)));
    }
}
