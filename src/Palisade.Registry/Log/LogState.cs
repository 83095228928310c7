using Palisade.Log;

namespace Palisade.Registry;

/// <summary>A published checkpoint and the signed note that carries it.</summary>
internal sealed record LogState(Checkpoint Checkpoint, string Note);
