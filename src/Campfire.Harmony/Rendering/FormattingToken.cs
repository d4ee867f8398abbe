namespace Campfire.Harmony.Rendering;

/// <summary>The special tokens the renderer emits, with their o200k_harmony ids and literal text.</summary>
internal static class FormattingToken
{
    public const int Return = 200002;
    public const int Constrain = 200003;
    public const int Channel = 200005;
    public const int Start = 200006;
    public const int End = 200007;
    public const int Message = 200008;
    public const int Call = 200012;

    public const string ConstrainLiteral = "<|constrain|>";

    public static string Literal(int id) => id switch
    {
        Return => "<|return|>",
        Constrain => ConstrainLiteral,
        Channel => "<|channel|>",
        Start => "<|start|>",
        End => "<|end|>",
        Message => "<|message|>",
        Call => "<|call|>",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a formatting token"),
    };
}
