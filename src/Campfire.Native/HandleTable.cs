namespace Campfire.Native;

/// <summary>Which table a handle belongs to; stored in the handle so one kind can never be mistaken for another.</summary>
internal enum HandleKind : byte
{
    StreamDecoder = 0x1D,
    Parser = 0x2A,
    Grammar = 0x3C,
    Constraint = 0x4B,
}

/// <summary>
/// Maps opaque C handles to managed objects. A handle is an encoded number, never a pointer, so the library can tell a
/// live handle from a freed one (stale generation) or from garbage (wrong tag, kind or index) and answer with a status
/// code instead of dereferencing it. Lookups are lock-free (they sit on the per-token path); create and free take a lock.
/// </summary>
/// <remarks>
/// Layout, most significant bits first: 8-bit tag <see cref="Tag"/>, 8-bit <see cref="HandleKind"/>, 24-bit slot
/// generation (starts at 1, bumped on every reuse of the slot), 24-bit slot index + 1.
/// </remarks>
internal sealed class HandleTable<T> where T : class
{
    private const ulong Tag = 0xCF;
    private const int IndexBits = 24;
    private const int GenerationBits = 24;
    private const uint IndexMask = (1u << IndexBits) - 1;
    private const uint GenerationMask = (1u << GenerationBits) - 1;
    private const int MaxSlots = (int)IndexMask;

    private sealed class Entry(ulong handle, T target)
    {
        public readonly ulong Handle = handle;
        public readonly T Target = target;
    }

    private readonly HandleKind _kind;
    private readonly Lock _gate = new();
    private Entry?[] _entries = new Entry?[16];
    private uint[] _lastGeneration = new uint[16];
    private readonly Stack<int> _freeSlots = new();
    private int _used;
    private int _live;

    public HandleTable(HandleKind kind) => _kind = kind;

    public int LiveCount => Volatile.Read(ref _live);

    public nint Add(T target)
    {
        lock (_gate)
        {
            int index;
            if (_freeSlots.Count > 0)
            {
                index = _freeSlots.Pop();
            }
            else
            {
                if (_used == MaxSlots)
                {
                    throw new NativeStatusException(CampfireStatus.InvalidArgument, $"too many live {_kind} handles (limit {MaxSlots})");
                }

                if (_used == _entries.Length)
                {
                    int size = Math.Min(_entries.Length * 2, MaxSlots);
                    Array.Resize(ref _lastGeneration, size);
                    var grown = new Entry?[size];
                    Array.Copy(_entries, grown, _entries.Length);
                    Volatile.Write(ref _entries, grown);
                }

                index = _used++;
            }

            uint generation = (_lastGeneration[index] % GenerationMask) + 1;
            _lastGeneration[index] = generation;
            ulong handle = (Tag << 56) | ((ulong)_kind << 48) | ((ulong)generation << IndexBits) | (uint)(index + 1);
            Volatile.Write(ref _entries[index], new Entry(handle, target));
            _live++;
            return (nint)handle;
        }
    }

    /// <summary>Resolves a handle; <see cref="CampfireStatus.Ok"/> or the reason it is not a live handle of this table.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public CampfireStatus TryGet(nint handle, out T target)
    {
        ulong value = (ulong)handle;
        Entry?[] entries = Volatile.Read(ref _entries);
        int index = (int)(value & IndexMask) - 1;
        if ((uint)index < (uint)entries.Length)
        {
            Entry? entry = Volatile.Read(ref entries[index]);
            if (entry is not null && entry.Handle == value)
            {
                target = entry.Target;
                return CampfireStatus.Ok;
            }
        }

        target = null!;
        return Diagnose(value);
    }

    /// <summary>Removes a live handle and returns its object; a second free of the same handle answers FreedHandle.</summary>
    public CampfireStatus Remove(nint handle, out T target)
    {
        lock (_gate)
        {
            CampfireStatus status = TryGet(handle, out target);
            if (status != CampfireStatus.Ok)
            {
                return status;
            }

            int index = (int)((ulong)handle & IndexMask) - 1;
            Volatile.Write(ref _entries[index], null);
            _freeSlots.Push(index);
            _live--;
            return CampfireStatus.Ok;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private CampfireStatus Diagnose(ulong value)
    {
        if (value == 0)
        {
            return CampfireStatus.NullPointer;
        }

        if (value >> 56 != Tag || (HandleKind)((value >> 48) & 0xFF) != _kind)
        {
            return CampfireStatus.InvalidHandle;
        }

        int index = (int)(value & IndexMask) - 1;
        uint generation = (uint)(value >> IndexBits) & GenerationMask;
        lock (_gate)
        {
            if (index < 0 || index >= _used || generation == 0 || generation > _lastGeneration[index])
            {
                return CampfireStatus.InvalidHandle;
            }
        }

        // A generation this slot has already issued, but no longer holds: the handle was freed.
        return CampfireStatus.FreedHandle;
    }

    public string Describe(CampfireStatus status, nint handle) => status switch
    {
        CampfireStatus.NullPointer => $"the {Noun} handle is NULL",
        CampfireStatus.FreedHandle => $"the {Noun} handle 0x{(ulong)handle:x16} was already freed",
        _ => $"0x{(ulong)handle:x16} is not a {Noun} handle",
    };

    private string Noun => _kind switch
    {
        HandleKind.StreamDecoder => "stream decoder",
        HandleKind.Parser => "parser",
        _ => _kind.ToString(),
    };
}
