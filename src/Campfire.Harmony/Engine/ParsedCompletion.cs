using System.Collections.Immutable;
using Campfire.Harmony.Model;

namespace Campfire.Harmony.Engine;

/// <summary>What a completion contained (see <see cref="HarmonyEngine.ParseCompletion"/>).</summary>
/// <param name="Messages">The messages in engine terms, in order; each tool call is an assistant message of its own with
/// one <see cref="HarmonyMessage.ToolCalls"/> entry. A last message cut off in its content is kept as far as it got, one
/// cut off in its header is dropped (both reported in <paramref name="Diagnostics"/>).</param>
/// <param name="ToolCalls">The calls among <paramref name="Messages"/>, in order, each with a fresh call id.</param>
/// <param name="Diagnostics">What the lenient parse repaired, in words; empty for a well-formed completion.</param>
public sealed record ParsedCompletion(ImmutableArray<HarmonyMessage> Messages, ImmutableArray<ToolCall> ToolCalls, ImmutableArray<string> Diagnostics);
