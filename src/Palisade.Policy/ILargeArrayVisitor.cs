using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// Is shown the large arrays a compiled policy answers from (its entries and name tables, tens of megabytes at a million
/// entries), for what the host can do about their memory without knowing their types: the DNS point asks the kernel to
/// back them with huge pages (<c>HugePages</c> in Palisade.Dns).
/// </summary>
public interface ILargeArrayVisitor
{
    /// <summary>Called once for each large array.</summary>
    void Visit<T>(T[] array)
        where T : struct;
}
