namespace Campfire.Harmony.Parsing;

/// <summary>A byte range in the header store, or absent (the default value).</summary>
internal readonly struct ByteRange(int start, int length)
{
    public int Start { get; } = start;
    public int Length { get; } = length;
    public bool IsPresent { get; } = true;

    public static ByteRange Absent => default;
}
