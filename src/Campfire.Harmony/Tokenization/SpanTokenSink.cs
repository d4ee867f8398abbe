using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>Writes into a caller's span; remembers how much room the piece that did not fit needed.</summary>
internal ref struct SpanTokenSink : ITokenSink
{
    private readonly Span<int> _destination;

    public SpanTokenSink(Span<int> destination) => _destination = destination;

    public int Written { get; private set; }

    public int Needed { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(int id)
    {
        int written = Written;
        if ((uint)written >= (uint)_destination.Length)
        {
            Needed = 1;
            return false;
        }
        _destination[written] = id;
        Written = written + 1;
        return true;
    }

    public bool TryWrite(scoped ReadOnlySpan<int> ids)
    {
        if (!ids.TryCopyTo(_destination[Written..]))
        {
            Needed = ids.Length;
            return false;
        }
        Written += ids.Length;
        return true;
    }
}
