using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Rendering;

/// <summary>Literal text of the special tokens the renderer emits (for the Harmony-text renderer).</summary>
internal static class FormattingToken
{
    public const string ConstrainLiteral = "<|constrain|>";

    public static string Literal(int id) => id switch
    {
        HarmonyTokens.Return => "<|return|>",
        HarmonyTokens.Constrain => ConstrainLiteral,
        HarmonyTokens.Channel => "<|channel|>",
        HarmonyTokens.Start => "<|start|>",
        HarmonyTokens.End => "<|end|>",
        HarmonyTokens.Message => "<|message|>",
        HarmonyTokens.Call => "<|call|>",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a formatting token"),
    };
}
