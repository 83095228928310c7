using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Palisade.Core;
using Palisade.Log;
using Palisade.Log.Events;

namespace Palisade.Policy;

/// <summary>
/// The exact names or the wildcard patterns of a compiled policy, as one open-addressing table of small slots: a
/// 32-bit tag of the name's hash, and where the name's group of entries starts in the bundle and how many it holds.
/// A lookup that misses touches one slot (one cache line, usually) and no string; a hit compares the name once with
/// the entry's target. A dictionary keyed by string touches a bucket, an entry and often a chain for the same miss,
/// which at a million names means several cache misses per query (issue 17, docs/dns.md).
/// </summary>
/// <remarks>
/// Names hash label by label from the right, so one pass over a query name gives the hash of every parent
/// (<see cref="SuffixHashes"/>): the exact lookup and each wildcard lookup cost one slot each. The hash is seeded
/// per process: the targets are public, the seed is not, so no one can choose targets that crowd one run of slots.
/// </remarks>
internal sealed class NameTable
{
    /// <summary>The most labels whose suffix hashes a lookup keeps on the stack (16 × 12 bytes); a name with more, which
    /// hardly any real name has, is looked up suffix by suffix instead.</summary>
    public const int StackLabels = 16;

    // Slots per name: 10/7, so at most 70 % of the slots are taken and a miss ends within a few slots.
    private const int SlotsPerTenNames = 14;

    private const ulong LengthFactor = 0x9E3779B97F4A7C15;
    private const ulong WordFactor = 0xC2B2AE3D27D4EB4F;
    private const ulong MixFactor = 0xFF51AFD7ED558CCD;

    private static readonly ulong s_seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    private readonly BundleEntry[] _entries;
    private readonly int _keyStart;
    private readonly Slot[] _slots;

    /// <summary>An empty table with room for <paramref name="names"/> names, each keyed by its entries' target from
    /// character <paramref name="keyStart"/> on (0 for names, 2 for the parent of a <c>*.</c> pattern).</summary>
    public NameTable(BundleEntry[] entries, int names, int keyStart)
    {
        _entries = entries;
        _keyStart = keyStart;
        _slots = new Slot[(int)Math.Min(Array.MaxLength, (names * (long)SlotsPerTenNames / 10) + 1)];
    }

    /// <summary>Adds the group of <paramref name="count"/> entries from <paramref name="start"/>, whose target is not in
    /// the table yet; at most as many as the table was made for.</summary>
    public void Add(int start, int count)
    {
        if (Count + 1 >= _slots.Length)
        {
            // A lookup ends at an empty slot: one must always remain.
            throw new InvalidOperationException($"the name table was made for {Count} names");
        }

        ulong hash = Hash(_entries[start].Target.AsSpan(_keyStart));
        int index = Home(hash);
        while (_slots[index].Count != 0)
        {
            index = index + 1 == _slots.Length ? 0 : index + 1;
        }

        _slots[index] = new Slot((uint)(hash >> 32), start, count);
        Count++;
    }

    /// <summary>Shows <paramref name="visitor"/> the slots.</summary>
    public void VisitSlots(ILargeArrayVisitor visitor) => visitor.Visit(_slots);

    /// <summary>Distinct names in the table.</summary>
    public int Count { get; private set; }

    /// <summary>The hash of a name, as <see cref="SuffixHashes"/> gives it for a name's suffix.</summary>
    public static ulong Hash(ReadOnlySpan<char> name)
    {
        ulong hash = s_seed;
        int end = name.Length;
        while (true)
        {
            int dot = name[..end].LastIndexOf('.');
            hash = AddLabel(hash, name[(dot + 1)..end]);
            if (dot < 0)
            {
                return hash;
            }

            end = dot;
        }
    }

    /// <summary>
    /// Splits a name of <c>starts.Length</c> labels (one more than its dots) and hashes each suffix in one pass from the
    /// right: <c>starts[i]</c> is where label <c>i</c> begins and <c>hashes[i]</c> the hash of the name from there on.
    /// </summary>
    public static void SuffixHashes(ReadOnlySpan<char> name, Span<int> starts, Span<ulong> hashes)
    {
        ulong hash = s_seed;
        int label = starts.Length - 1;
        int end = name.Length;
        for (int i = name.Length - 1; label > 0; i--)
        {
            if (name[i] == '.')
            {
                hash = AddLabel(hash, name[(i + 1)..end]);
                starts[label] = i + 1;
                hashes[label] = hash;
                label--;
                end = i;
            }
        }

        starts[0] = 0;
        hashes[0] = AddLabel(hash, name[..end]);
    }

    /// <summary>Finds the group of entries whose key is <paramref name="name"/>, given its <see cref="Hash"/>.</summary>
    public bool TryFind(ulong hash, ReadOnlySpan<char> name, out int start, out int count)
    {
        uint tag = (uint)(hash >> 32);
        int index = Home(hash);
        while (true)
        {
            Slot slot = _slots[index];
            if (slot.Count == 0)
            {
                (start, count) = (0, 0);
                return false;
            }

            if (slot.Tag == tag && name.SequenceEqual(_entries[slot.Start].Target.AsSpan(_keyStart)))
            {
                (start, count) = (slot.Start, slot.Count);
                return true;
            }

            index = index + 1 == _slots.Length ? 0 : index + 1;
        }
    }

    // The low 32 bits pick the home slot (scaled to the table, Lemire's multiply-shift), the high 32 are the tag.
    private int Home(ulong hash) => (int)(((ulong)(uint)hash * (ulong)_slots.Length) >> 32);

    private static ulong AddLabel(ulong hash, ReadOnlySpan<char> label)
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(label);
        ulong state = hash ^ ((ulong)(bytes.Length + 1) * LengthFactor);
        while (bytes.Length >= sizeof(ulong))
        {
            state = (state ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * WordFactor;
            state ^= state >> 32;
            bytes = bytes[sizeof(ulong)..];
        }

        // What is left is 0, 2, 4 or 6 bytes (whole characters).
        ulong tail = bytes.Length switch
        {
            0 => 0,
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(bytes) | ((ulong)BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]) << 32),
        };

        state = (state ^ tail) * WordFactor;

        // One more multiply and the high half folded into the low: the low half picks the slot, the high half is the
        // tag, and each depends on every byte of the label.
        state ^= state >> 29;
        state *= MixFactor;
        return state ^ (state >> 32);
    }

    private readonly record struct Slot(uint Tag, int Start, int Count);
}
