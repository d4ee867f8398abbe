using System.Collections.Immutable;
using System.Text;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;
using Campfire.Harmony.Tokenization;

namespace Campfire.Harmony.Engine;

/// <summary>Binds the engine to the o200k_harmony tokenizer, the Harmony renderer and the completion parser.</summary>
internal sealed class HarmonyCodec : IHarmonyCodec
{
    public static HarmonyCodec Instance { get; } = new();

    public ImmutableArray<int> RenderForCompletion(Conversation conversation, bool autoDropAnalysis) =>
        [.. HarmonyRenderer.Default.RenderConversationForCompletion(conversation, Role.Assistant,
            autoDropAnalysis ? RenderOptions.Default : RenderOptions.KeepAnalysis)];

    public ImmutableArray<int> StopTokensForAssistantActions => HarmonyRenderer.StopTokensForAssistantActions;

    public CodecParseResult ParseLenient(ReadOnlySpan<int> tokens, Role? prefillRole) =>
        LenientCompletionParser.Parse(tokens, prefillRole);

    public ICompletionDeltaStream CreateDeltaStream() => new LenientCompletionParser.DeltaStream(Role.Assistant);

    public string Decode(ReadOnlySpan<int> ids) => O200kHarmonyTokenizer.Instance.Decode(ids);

    public int StartTokenId => HarmonyTokens.Start;
}
