using System.Collections.Immutable;
using Campfire.Harmony.Model;
using Campfire.Harmony.Rendering;

namespace Campfire.Harmony.Engine;

/// <summary>
/// What the engine needs from the tokenizer, renderer and parser, in one seam: the engine's logic (mapping, trimming,
/// the tool loop) is tested against it, and <see cref="HarmonyCodec"/> binds it to the real components.
/// </summary>
internal interface IHarmonyCodec
{
    /// <summary>An empty incremental rendering of a conversation, for the engine's living conversation.</summary>
    IncrementalRenderer CreateRenderer(bool autoDropAnalysis);

    /// <summary>The ids that end an assistant turn: <c>&lt;|return|&gt;</c> and <c>&lt;|call|&gt;</c>.</summary>
    ImmutableArray<int> StopTokensForAssistantActions { get; }

    /// <summary>Parses a completion leniently: never throws for malformed input, reports what it repaired.</summary>
    CodecParseResult ParseLenient(ReadOnlySpan<int> tokens, Role? prefillRole);

    /// <summary>A fresh streaming parser for one completion that follows a <c>&lt;|start|&gt;assistant</c> prefill: the
    /// turn's one parse (its messages come from <see cref="ICompletionDeltaStream.Finish"/>).</summary>
    /// <param name="withDeltas">Make the content text of each token (false: only collect the messages).</param>
    ICompletionDeltaStream CreateDeltaStream(bool withDeltas);

    /// <summary>Ids of header text that follows <c>&lt;|start|&gt;assistant</c> (e.g. <c> to=functions.get_weather</c>),
    /// as the renderer would write them.</summary>
    ImmutableArray<int> EncodeHeaderText(string text);

    /// <summary>The text of ids (special tokens as their literal text).</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The id of <c>&lt;|start|&gt;</c>, where each message's header begins.</summary>
    int StartTokenId { get; }
}
