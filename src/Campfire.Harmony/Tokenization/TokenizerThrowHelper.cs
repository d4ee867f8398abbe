using System.Diagnostics.CodeAnalysis;

namespace Campfire.Harmony.Tokenization;

/// <summary>Keeps throw sites out of the hot loops so they stay small enough to inline.</summary>
internal static class TokenizerThrowHelper
{
    [DoesNotReturn]
    public static void ThrowUnknownTokenId(int id) => throw new UnknownTokenIdException(id);

    [DoesNotReturn]
    public static void ThrowUnknownTokenId(int id, int index) => throw new UnknownTokenIdException(id, index);

    [DoesNotReturn]
    public static void ThrowData(string message, Exception? inner = null) => throw new TokenizerDataException(message, inner);
}
