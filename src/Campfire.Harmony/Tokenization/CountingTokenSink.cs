using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Tokenization;

/// <summary>Only counts.</summary>
internal struct CountingTokenSink : ITokenSink
{
    public int Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(int id)
    {
        Count++;
        return true;
    }

    public bool TryWrite(scoped ReadOnlySpan<int> ids)
    {
        Count += ids.Length;
        return true;
    }
}
