using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Campfire.Harmony.Constraints;

/// <summary>Throws out of line, so that the hot paths that check stay small.</summary>
internal static class ConstraintThrowHelper
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowMaskTooShort(int length, int needed) =>
        throw new ArgumentException($"the mask holds {length} words; {needed} are needed for the vocabulary", "mask");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowSchema(string tool, string path, string detail) =>
        throw new ConstraintSchemaException(tool, path, detail);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static T ThrowSchema<T>(string tool, string path, string detail) =>
        throw new ConstraintSchemaException(tool, path, detail);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowForcedHeaderRejected(int index, int token) =>
        throw new ArgumentException(
            $"forced header token {token} (at {index}) is not a valid assistant header continuation for this grammar", "forcedHeaderTokens");
}
